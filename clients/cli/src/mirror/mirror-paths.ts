/**
 * Which paths the mirror carries between the dojo and the folder. Editors leave scratch files next to
 * the ones they save (Vim's swap files and its `4913` probe, Emacs's `.#lock` and `#autosave#`, backups
 * ending in `~`, JetBrains' safe-write copies): they are nobody's code and never reach the dojo. A path
 * from the dojo is data from the network: one that could escape the folder is never written.
 */
import { posix } from 'node:path';

/** The file in the folder that says which dojo it mirrors; never shared. */
export const markerFile = '.pocdojo.json';

/** The prefix of the mirror's own temporary files (a write is temp file + rename). */
export const temporaryPrefix = '.pocdojo-';

const scratchNames = [
  /^4913$/, // Vim checks it may create files in the folder with this name
  /\.sw[a-p]$/, // Vim swap files (.swp, .swo, …)
  /\.sw[x-z]$/,
  /~$/, // backups of Vim, Emacs, nano…
  /^\.#/, // Emacs lock files
  /^#.*#$/, // Emacs auto-save files
  /___jb_(tmp|old|bak)___$/, // JetBrains safe write
  /\.(orig|rej|bak|tmp)$/,
  /^\.DS_Store$/,
];

/** Folders that belong to tools, not to the dojo's code. */
const toolFolders = new Set(['.git', '.hg', '.svn', '.idea', '.vscode', 'node_modules']);

const maxPathLength = 512;

/** True for a scratch or tool file, or the mirror's own files: the folder keeps them to itself. */
export function isLocalOnly(path: string): boolean {
  const parts = path.split('/');
  const name = parts.at(-1) ?? '';
  if (name === markerFile || name.startsWith(temporaryPrefix)) return true;
  if (parts.some((part) => toolFolders.has(part))) return true;
  return scratchNames.some((pattern) => pattern.test(name));
}

/**
 * True when a path may live in both the dojo and the folder: relative, made of plain names joined by
 * `/` (no `.`, `..`, empty or control-character names, no backslash), and not local-only.
 */
export function isMirrored(path: string): boolean {
  if (path.length === 0 || path.length > maxPathLength) return false;
  if (path !== posix.normalize(path) || posix.isAbsolute(path)) return false;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return false;
  const parts = path.split('/');
  if (parts.some((part) => part === '' || part === '.' || part === '..')) return false;
  return !isLocalOnly(path);
}
