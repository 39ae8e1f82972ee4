import type { Page } from 'playwright-core';

// Code that runs in the page is given as text: this file is type-checked for Node, without DOM types.
/** The shared editor's text without the remote carets and name tags drawn inside it. */
export const editorText = (page: Page): Promise<string> =>
  page.evaluate<string>(`[...document.querySelectorAll('.cm-line')]
    .map((line) => {
      const copy = line.cloneNode(true);
      copy.querySelectorAll('.cm-ySelectionCaret').forEach((caret) => caret.remove());
      return copy.textContent;
    })
    .join('\\n')`);
