/**
 * Search highlights arrive as text with `<mark>` around the matches. They are split into text nodes
 * and <mark> elements here, never injected as HTML, so a POC name cannot smuggle markup in.
 */
export function Highlighted({ text, highlights, field }: { text: string; highlights: unknown; field: string }) {
  const marked = markedText(highlights, field);
  if (!marked) return <>{text}</>;
  const parts = marked.split(/(<mark>.*?<\/mark>)/g).filter(Boolean);
  return (
    <>
      {parts.map((part) => {
        const match = /^<mark>(.*)<\/mark>$/.exec(part);
        return match ? <mark>{match[1]}</mark> : part;
      })}
    </>
  );
}

function markedText(highlights: unknown, field: string): string | undefined {
  if (!highlights || typeof highlights !== 'object') return undefined;
  const value = (highlights as Record<string, unknown>)[field];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.includes('<mark>') ? first : undefined;
}
