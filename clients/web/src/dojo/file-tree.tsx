/**
 * The files of the `code` document. Adding, renaming and deleting are edits of the document's
 * `files` and `languages` maps in one transaction, so everyone sees them at once and the server's
 * lock applies to them like to typing.
 */
import type { DojoConnection } from '@pocdojo/sdk/dojo-connection';
import { codeFiles, codeLanguages } from '@pocdojo/sdk/dojo-documents';
import { useState } from 'preact/hooks';
import * as Y from 'yjs';
import { languageForPath } from '../languages.ts';

const validPath = (path: string) => /^[\w.\-/]{1,200}$/.test(path) && !path.startsWith('/') && !path.includes('..');

export function addFile(connection: DojoConnection, path: string, content = ''): void {
  const doc = connection.docs.code;
  doc.transact(() => {
    codeFiles(doc).set(path, new Y.Text(content));
    const language = languageForPath(path, undefined);
    if (language) codeLanguages(doc).set(path, language.id);
  });
}

export function FileTree({
  connection,
  files,
  selected,
  canEdit,
  onSelect,
}: {
  connection: DojoConnection;
  files: string[];
  selected: string | undefined;
  canEdit: boolean;
  onSelect: (path: string) => void;
}) {
  const [adding, setAdding] = useState(false);
  const [renaming, setRenaming] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const doc = connection.docs.code;

  function submitNew(event: SubmitEvent) {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem('path') as HTMLInputElement;
    const path = input.value.trim();
    if (!validPath(path)) return setError('Use letters, digits, dots, dashes, underscores and slashes.');
    if (files.includes(path)) return setError(`${path} already exists.`);
    addFile(connection, path);
    setError(undefined);
    setAdding(false);
    onSelect(path);
  }

  function submitRename(event: SubmitEvent, from: string) {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem('path') as HTMLInputElement;
    const to = input.value.trim();
    if (to === from) return setRenaming(undefined);
    if (!validPath(to) || files.includes(to)) return setError(`Cannot rename to “${to}”.`);
    // A Y.Text cannot move between keys: the content moves to a new Y.Text under the new path.
    const text = codeFiles(doc).get(from);
    doc.transact(() => {
      codeFiles(doc).set(to, new Y.Text(text?.toString() ?? ''));
      codeFiles(doc).delete(from);
      const language = codeLanguages(doc).get(from) ?? languageForPath(to, undefined)?.id;
      codeLanguages(doc).delete(from);
      if (language) codeLanguages(doc).set(to, language);
    });
    setError(undefined);
    setRenaming(undefined);
    onSelect(to);
  }

  function remove(path: string) {
    if (!confirm(`Delete ${path} for everyone?`)) return;
    doc.transact(() => {
      codeFiles(doc).delete(path);
      codeLanguages(doc).delete(path);
    });
  }

  return (
    <nav class="file-tree" aria-label="Files">
      <div class="panel-head">
        <h2>Files</h2>
        {canEdit && (
          <button type="button" class="small" onClick={() => setAdding(!adding)} aria-expanded={adding}>
            + File
          </button>
        )}
      </div>
      {adding && (
        <form onSubmit={submitNew} class="file-form">
          <label for="new-file-path" class="visually-hidden">
            New file path
          </label>
          <input id="new-file-path" name="path" placeholder="src/main.ts" autoFocus required />
          <button type="submit" class="small primary">
            Add
          </button>
        </form>
      )}
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      <ul>
        {files.map((path) =>
          renaming === path ? (
            <li>
              <form onSubmit={(event) => submitRename(event, path)} class="file-form">
                <label for="rename-file-path" class="visually-hidden">
                  New name for {path}
                </label>
                <input id="rename-file-path" name="path" defaultValue={path} autoFocus required />
                <button type="submit" class="small primary">
                  Rename
                </button>
              </form>
            </li>
          ) : (
            <li class={path === selected ? 'file active' : 'file'}>
              <button
                type="button"
                class="file-name"
                aria-current={path === selected ? 'true' : undefined}
                onClick={() => onSelect(path)}
              >
                {path}
              </button>
              {canEdit && (
                <span class="file-actions">
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Rename ${path}`}
                    title="Rename"
                    onClick={() => setRenaming(path)}
                  >
                    ✎
                  </button>
                  <button
                    type="button"
                    class="icon"
                    aria-label={`Delete ${path}`}
                    title="Delete"
                    onClick={() => remove(path)}
                  >
                    ×
                  </button>
                </span>
              )}
            </li>
          ),
        )}
      </ul>
      {files.length === 0 && <p class="muted">No files yet.</p>}
    </nav>
  );
}
