/**
 * Engines mark matches with control characters that cannot occur in stored text (the API strips
 * them on input), then the text is HTML-escaped and the markers become <mark> tags: highlights are
 * safe to render as HTML even when a POC name contains markup.
 */
export const markStart = '\u0002';
export const markStop = '\u0003';

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function markedToHtml(marked: string): string | undefined {
  if (!marked.includes(markStart)) return undefined;
  return marked
    .replace(/[&<>"']/g, (c) => escapes[c] ?? c)
    .replaceAll(markStart, '<mark>')
    .replaceAll(markStop, '</mark>');
}

/** Removes control characters (other than tab and newline) from user text before it is stored. */
export const withoutControlCharacters = (text: string): string =>
  // eslint-disable-next-line no-control-regex
  text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
