/**
 * Search highlights arrive as HTML-escaped text with `<mark>` around the matches. They are split into
 * text nodes and <mark> elements here, never injected as HTML, so a POC name cannot smuggle markup in;
 * the escapes are undone in the text nodes, which Preact escapes again.
 */
export function Highlighted({ text, highlights, field }: { text: string; highlights: unknown; field: string }) {
  const marked = markedText(highlights, field);
  if (!marked) return <>{text}</>;
  const parts = marked.split(/(<mark>.*?<\/mark>)/g).filter(Boolean);
  return (
    <>
      {parts.map((part) => {
        const match = /^<mark>(.*)<\/mark>$/.exec(part);
        return match ? <mark>{unescaped(match[1] ?? '')}</mark> : unescaped(part);
      })}
    </>
  );
}

/** Whether the search found words in this field (the API only highlights matched fields). */
export function hasHighlight(highlights: unknown, field: string): boolean {
  return markedText(highlights, field) !== undefined;
}

function markedText(highlights: unknown, field: string): string | undefined {
  if (!highlights || typeof highlights !== 'object') return undefined;
  const value = (highlights as Record<string, unknown>)[field];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.includes('<mark>') ? first : undefined;
}

// The five escapes of the API's highlight.ts, and nothing else.
const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

const unescaped = (html: string): string =>
  html.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => entities[entity] ?? entity);
