/**
 * One file of the `code` document in CodeMirror 6, bound to its Y.Text by y-codemirror.next: local
 * edits become Yjs updates, remote ones apply in place, and other people's cursors and selections
 * show with their names and colours (from presence). Read-only for observers and while the lock
 * keeps this user from typing.
 */
import { Compartment, EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import type { DojoConnection } from '@pocdojo/sdk/dojo-connection';
import { codeFiles } from '@pocdojo/sdk/dojo-documents';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'preact/hooks';
import { yCollab } from 'y-codemirror.next';
import * as Y from 'yjs';
import { languageForPath } from '../languages.ts';

export interface ScrollRequest {
  line: number;
  /** Changes whenever the same line is requested again (a second summon still scrolls). */
  seq: number;
  select: boolean;
}

const editorTheme = EditorView.theme({
  '&': { height: '100%', fontSize: '14px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace' },
  // Room above the first line for the name tags of carets there.
  '.cm-content': { paddingTop: '16px' },
  // Names stay visible next to remote carets: in a dojo you want to see who is where at a glance.
  '.cm-ySelectionInfo': { opacity: '1', top: '-1.25em', fontSize: '11px', padding: '1px 4px', borderRadius: '3px' },
});

const lineWrapping = (wrap: boolean) => (wrap ? EditorView.lineWrapping : []);

export function CodeEditor({
  connection,
  path,
  language,
  readOnly,
  wrapLines,
  scroll,
  onCursorLine,
}: {
  connection: DojoConnection;
  path: string;
  language: string | undefined;
  readOnly: boolean;
  /** On a phone long lines wrap: scrolling sideways with a thumb hides the start of every line. */
  wrapLines: boolean;
  scroll: ScrollRequest | undefined;
  /** The line of this user's cursor: the facilitator summons everyone there. */
  onCursorLine: (line: number) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>();
  const editable = useRef(new Compartment());
  const grammar = useRef(new Compartment());
  const wrapping = useRef(new Compartment());

  useEffect(() => {
    const text = codeFiles(connection.docs.code).get(path);
    if (!host.current || !(text instanceof Y.Text)) return;
    const undoManager = new Y.UndoManager(text);
    let lastTop = 0;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: text.toString(),
        extensions: [
          basicSetup,
          editorTheme,
          grammar.current.of([]),
          wrapping.current.of(lineWrapping(wrapLines)),
          editable.current.of([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
          EditorView.contentAttributes.of({ 'aria-label': `Code editor: ${path}` }),
          yCollab(text, connection.awareness, { undoManager }),
          EditorView.updateListener.of((update) => {
            if (update.selectionSet) onCursorLine(update.state.doc.lineAt(update.state.selection.main.head).number);
          }),
          EditorView.domEventHandlers({
            scroll: (_event, scrolled) => {
              // Followers scroll to the driver's first visible line, published in presence.
              const top = scrolled.state.doc.lineAt(
                scrolled.lineBlockAtHeight(scrolled.scrollDOM.scrollTop).from,
              ).number;
              if (top !== lastTop) connection.setPresence({ topLine: (lastTop = top) });
            },
          }),
        ],
      }),
    });
    view.current = editor;
    connection.setPresence({ file: path, topLine: 1 });
    void languageForPath(path, language)
      ?.load()
      .then((extension) => editor.dispatch({ effects: grammar.current.reconfigure(extension) }));
    return () => {
      editor.destroy();
      undoManager.destroy();
      view.current = undefined;
    };
  }, [connection, path]);

  useEffect(() => {
    view.current?.dispatch({
      effects: editable.current.reconfigure([EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)]),
    });
  }, [readOnly]);

  useEffect(() => {
    view.current?.dispatch({ effects: wrapping.current.reconfigure(lineWrapping(wrapLines)) });
  }, [wrapLines]);

  useEffect(() => {
    const editor = view.current;
    if (!editor || !scroll) return;
    const line = editor.state.doc.line(Math.min(Math.max(1, scroll.line), editor.state.doc.lines));
    editor.dispatch({
      effects: EditorView.scrollIntoView(line.from, { y: 'start' }),
      ...(scroll.select ? { selection: { anchor: line.from, head: line.to } } : {}),
    });
  }, [scroll?.seq]);

  return <div class="editor" ref={host} />;
}
