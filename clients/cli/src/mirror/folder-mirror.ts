/**
 * A dojo's `code` document mirrored into a folder, both ways.
 *
 * For every path the mirror remembers the last text the folder and the dojo agreed on (`synced`). One
 * routine, `reconcile`, compares the three versions — the file on disk, the dojo's text, the synced
 * text — and decides: a file that changed on disk only is a save (sent as minimal edits); a file
 * that changed in the dojo only is rewritten atomically; both changed means the person saved while
 * others typed, and the CRDT merges the two before the result goes both ways. Files appearing or
 * disappearing on either side are creations and deletions (a rename is both). While the person may
 * not edit, their files are read-only and a change they force is put back.
 *
 * Reconciliations of one path never overlap (a save arriving during one runs after it) and events
 * that pile up meanwhile collapse into one, so 200 rapid saves cost at most a few rounds.
 */
import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import * as Y from 'yjs';
import { codeFiles, codeLanguages } from '@pocdojo/sdk/dojo-documents';
import { listFiles, readTextFile, removeFile, setLocked, writeFileAtomically } from './folder-files.ts';
import { isLocalOnly, isMirrored } from './mirror-paths.ts';
import { applyTextDiff, likelyBase, mergeTexts } from './text-edits.ts';

/**
 * Editors that save by renaming (the original moved to a backup, a new file written in its place) leave
 * the path empty for a moment; on a loaded machine longer than the watcher's own window for folding the
 * two into one change. A file missing from the folder counts as deleted once it stays missing this long,
 * so that a save never deletes and re-creates the file in the dojo (which would drop others' typing).
 */
const deletionGraceMs = 400;

/** How many overwritten versions of a file are kept to read a save from a stale buffer against. */
const overwrittenKept = 8;

export interface MirrorNotice {
  kind: 'reverted' | 'skipped' | 'kept';
  path: string;
  message: string;
}

export interface FolderMirrorOptions {
  folder: string;
  /** The dojo's `code` document. */
  doc: Y.Doc;
  /** Whether the person may edit the code right now (the room's rules). */
  mayEdit: () => boolean;
  notify: (notice: MirrorNotice) => void;
  /** A save of this path went into the dojo. */
  saved: (path: string) => void;
}

export class FolderMirror {
  private readonly synced = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly skippedOnce = new Set<string>();
  private readonly files: Y.Map<Y.Text>;
  /** The origin of this mirror's own transactions, so that it does not answer its own changes. */
  private readonly origin = { mirror: true };
  /**
   * Per path, what the folder held before the mirror wrote others' changes over it, newest first: an
   * editor that did not reload may save one of these plus the person's edits (see `likelyBase`).
   */
  private readonly overwritten = new Map<string, string[]>();
  /** Local deletions waiting to last (see `deletionGraceMs`), and those that lasted. */
  private readonly awaitingDeletion = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly deletionLasted = new Set<string>();
  private confirmDeletionsNow = false;
  private watcher: FSWatcher | undefined;
  private locked: boolean;
  private stopped = false;

  constructor(private readonly options: FolderMirrorOptions) {
    this.files = codeFiles(options.doc);
    this.locked = !options.mayEdit();
  }

  /** Writes the dojo's files into the folder, takes in the folder's own, and starts watching both. */
  async start(): Promise<void> {
    this.files.observeDeep(this.onRemoteChange);
    const watcher = watch(this.options.folder, {
      ignoreInitial: true,
      // Editors that save by renaming a new file over the old one look like a change, not a delete + add.
      atomic: true,
      // Editors that truncate and then write would otherwise be read empty halfway through a save.
      awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 20 },
      ignored: (path) => {
        const relative = this.relative(path);
        return relative !== '' && isLocalOnly(relative);
      },
    });
    this.watcher = watcher;
    const onDisk = (path: string) => this.schedule(this.relative(path));
    watcher.on('add', onDisk).on('change', onDisk).on('unlink', onDisk);
    watcher.on('error', (error) =>
      this.options.notify({
        kind: 'skipped',
        path: '',
        message: `watching the folder failed: ${error instanceof Error ? error.message : String(error)}`,
      }),
    );
    await new Promise<void>((resolve) => watcher.once('ready', resolve));
    for (const path of this.files.keys()) this.schedule(path);
    for (const path of await listFiles(this.options.folder, isLocalOnly)) this.schedule(path);
    await this.settled();
  }

  /** Resolves once every change seen so far has been reconciled. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }

  /**
   * Re-reads the room's rules: files become read-only when the person may no longer edit and
   * writable again when they may.
   */
  async updateAccess(): Promise<void> {
    const locked = !this.options.mayEdit();
    if (locked === this.locked) return;
    this.locked = locked;
    await Promise.all([...this.synced.keys()].map((path) => setLocked(this.absolute(path), locked)));
  }

  /** Stops watching; the folder keeps the last synced state, writable again like any folder. */
  async stop(): Promise<void> {
    this.files.unobserveDeep(this.onRemoteChange);
    await this.watcher?.close();
    // Deletions still waiting are real ones now: nothing will put the files back.
    this.confirmDeletionsNow = true;
    for (const [path, timer] of this.awaitingDeletion) {
      clearTimeout(timer);
      this.schedule(path);
    }
    this.awaitingDeletion.clear();
    await this.settled();
    this.stopped = true;
    await Promise.all([...this.synced.keys()].map((path) => setLocked(this.absolute(path), false)));
  }

  private readonly onRemoteChange = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>, transaction: Y.Transaction) => {
    if (transaction.origin === this.origin) return;
    for (const event of events) {
      if (event instanceof Y.YMapEvent) for (const path of event.keysChanged) this.schedule(path);
      else if (typeof event.path[0] === 'string') this.schedule(event.path[0]);
    }
  };

  private schedule(path: string): void {
    if (this.stopped) return;
    if (!isMirrored(path)) {
      if (this.files.has(path) && !this.skippedOnce.has(path)) {
        this.skippedOnce.add(path);
        this.options.notify({ kind: 'skipped', path, message: `${path} is not a path this folder can hold; left out` });
      }
      return;
    }
    this.dirty.add(path);
    if (this.running.has(path)) return;
    const run = (async () => {
      while (this.dirty.delete(path)) {
        try {
          await this.reconcile(path);
        } catch (error) {
          // One path the folder cannot hold (a folder where the dojo has a file, a full disk) must not
          // stop the others; the next change of the path tries again.
          const reason = error instanceof Error ? error.message : String(error);
          this.options.notify({ kind: 'skipped', path, message: `${path} could not be synced: ${reason}` });
        }
      }
    })().finally(() => this.running.delete(path));
    this.running.set(path, run);
  }

  private async reconcile(path: string): Promise<void> {
    const absolute = this.absolute(path);
    const disk = await readTextFile(absolute);
    if (disk.kind === 'unsupported') {
      if (!this.skippedOnce.has(path)) {
        this.skippedOnce.add(path);
        this.options.notify({ kind: 'skipped', path, message: `${path} is ${disk.why}; not shared` });
      }
      return;
    }
    if (disk.kind === 'text') this.keep(path);
    const onDisk = disk.kind === 'text' ? disk.text : undefined;
    const entry = this.files.get(path);
    const inDojo = entry instanceof Y.Text ? entry.toString() : undefined;
    const synced = this.synced.get(path);
    const mayEdit = !this.locked;

    if (onDisk === undefined || inDojo === undefined) this.overwritten.delete(path);
    if (onDisk === undefined && inDojo === undefined) {
      this.synced.delete(path);
    } else if (inDojo === undefined) {
      await this.onlyOnDisk(path, onDisk ?? '', synced, mayEdit);
    } else if (onDisk === undefined) {
      await this.onlyInDojo(path, inDojo, synced, mayEdit);
    } else if (entry instanceof Y.Text) {
      await this.inBoth(path, entry, onDisk, inDojo, synced, mayEdit);
    }
  }

  private async onlyOnDisk(path: string, onDisk: string, synced: string | undefined, mayEdit: boolean) {
    const absolute = this.absolute(path);
    if (synced === undefined) {
      // A new file in the folder.
      if (mayEdit) return this.create(path, onDisk);
      await removeFile(absolute);
      return this.options.notify({ kind: 'reverted', path, message: `${path} removed: you may not edit right now` });
    }
    // Someone deleted it in the dojo.
    if (onDisk === synced || !mayEdit) {
      await removeFile(absolute);
      this.synced.delete(path);
      return;
    }
    // …while the person was saving changes to it: their work is worth more than the deletion.
    this.create(path, onDisk);
    this.options.notify({
      kind: 'kept',
      path,
      message: `${path} was deleted by someone else; your changes bring it back`,
    });
  }

  private async onlyInDojo(path: string, inDojo: string, synced: string | undefined, mayEdit: boolean) {
    if (synced !== undefined && mayEdit) {
      // The person deleted it in the folder (once the deletion lasts).
      if (!this.deletionLasts(path)) return;
      this.options.doc.transact(() => {
        this.files.delete(path);
        codeLanguages(this.options.doc).delete(path);
      }, this.origin);
      this.synced.delete(path);
      return;
    }
    await writeFileAtomically(this.absolute(path), inDojo, this.locked);
    this.synced.set(path, inDojo);
    if (synced !== undefined)
      this.options.notify({ kind: 'reverted', path, message: `${path} restored: you may not edit right now` });
  }

  private async inBoth(
    path: string,
    text: Y.Text,
    onDisk: string,
    inDojo: string,
    synced: string | undefined,
    mayEdit: boolean,
  ) {
    // Nothing saved since the last sync (or a first sight of the file): the dojo's text is the truth.
    if (synced === undefined || onDisk === synced || !mayEdit) {
      if (onDisk === synced && onDisk !== inDojo) this.remember(path, onDisk);
      if (onDisk !== inDojo) await writeFileAtomically(this.absolute(path), inDojo, this.locked);
      this.synced.set(path, inDojo);
      if (synced !== undefined && onDisk !== synced)
        this.options.notify({ kind: 'reverted', path, message: `${path} put back: you may not edit right now` });
      return;
    }
    const base = likelyBase([synced, ...(this.overwritten.get(path) ?? [])], onDisk);
    const merged = mergeTexts(base, onDisk, inDojo);
    this.options.doc.transact(() => applyTextDiff(text, inDojo, merged), this.origin);
    this.synced.set(path, merged);
    // The editor's buffer is now what it saved; if the merge goes to disk over it, that is the old version.
    this.overwritten.delete(path);
    if (merged !== onDisk) this.remember(path, onDisk);
    this.options.saved(path);
    if (merged !== onDisk) await writeFileAtomically(this.absolute(path), merged, this.locked);
  }

  private remember(path: string, text: string): void {
    const versions = [text, ...(this.overwritten.get(path) ?? [])];
    // The oldest stays: it is what the folder held after the person's last save, which an editor that
    // never reloads still has; the newest ones cover editors that reloaded a while ago.
    if (versions.length > overwrittenKept) versions.splice(overwrittenKept - 1, 1);
    this.overwritten.set(path, versions);
  }

  /** True once a missing file stayed missing for the grace period; until then, checks again after it. */
  private deletionLasts(path: string): boolean {
    if (this.confirmDeletionsNow || this.deletionLasted.delete(path)) return true;
    if (!this.awaitingDeletion.has(path))
      this.awaitingDeletion.set(
        path,
        setTimeout(() => {
          this.awaitingDeletion.delete(path);
          this.deletionLasted.add(path);
          this.schedule(path);
        }, deletionGraceMs),
      );
    return false;
  }

  /** The file is there (again): a deletion waiting for it is called off. */
  private keep(path: string): void {
    clearTimeout(this.awaitingDeletion.get(path));
    this.awaitingDeletion.delete(path);
    this.deletionLasted.delete(path);
  }

  private create(path: string, content: string): void {
    this.options.doc.transact(() => this.files.set(path, new Y.Text(content)), this.origin);
    this.synced.set(path, content);
    this.options.saved(path);
  }

  private absolute(path: string): string {
    return join(this.options.folder, ...path.split('/'));
  }

  private relative(path: string): string {
    return path === this.options.folder
      ? ''
      : path
          .slice(this.options.folder.length + 1)
          .split('\\')
          .join('/');
  }
}
