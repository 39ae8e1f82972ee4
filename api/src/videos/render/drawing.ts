import type { SKRSContext2D } from '@napi-rs/canvas';

/**
 * Drawing primitives shared by the video scenes and the share card. Fonts come from the system
 * (Debian's fonts-dejavu-core, installed by scripts/install-test-deps.sh); the stack falls back to any sans.
 */
export const FONT = '"DejaVu Sans", "Liberation Sans", sans-serif';

export const palette = {
  backgroundTop: '#0f172a',
  backgroundBottom: '#1e1b4b',
  text: '#f8fafc',
  muted: '#94a3b8',
  accent: '#f59e0b',
  panel: 'rgba(255, 255, 255, 0.06)',
  grid: 'rgba(255, 255, 255, 0.12)',
};

export const font = (size: number, weight: 'normal' | 'bold' = 'normal') => `${weight} ${size}px ${FONT}`;

/** A stable colour per language, so TypeScript has the same colour in every scene and on the share card. */
export function languageColor(language: string): string {
  let hash = 0;
  for (const char of language.toLowerCase()) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  // The golden angle spreads neighbouring hashes far apart on the colour wheel.
  return `hsl(${Math.round((hash * 137.508) % 360)}, 70%, 58%)`;
}

export function paintBackground(ctx: SKRSContext2D, width: number, height: number, accentHue = 260): void {
  const gradient = ctx.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, palette.backgroundTop);
  gradient.addColorStop(1, palette.backgroundBottom);
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, width, height);
  const glow = ctx.createRadialGradient(width * 0.85, height * 0.15, 10, width * 0.85, height * 0.15, width * 0.6);
  glow.addColorStop(0, `hsla(${accentHue}, 80%, 60%, 0.35)`);
  glow.addColorStop(1, 'hsla(0, 0%, 0%, 0)');
  ctx.fillStyle = glow;
  ctx.fillRect(0, 0, width, height);
}

/** Splits text into at most `maxLines` lines no wider than `maxWidth`, ending with an ellipsis when cut. */
export function wrapText(ctx: SKRSContext2D, text: string, maxWidth: number, maxLines: number): string[] {
  const lines: string[] = [];
  let current = '';
  let truncated = false;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word;
    if (!current || ctx.measureText(candidate).width <= maxWidth) {
      current = candidate;
      continue;
    }
    lines.push(current);
    current = word;
    if (lines.length === maxLines) {
      truncated = true;
      break;
    }
  }
  if (!truncated && current) lines.push(current);
  return lines.map((line, i) => fitWithEllipsis(ctx, line, maxWidth, truncated && i === lines.length - 1));
}

/** Shortens a line to `maxWidth` with an ellipsis; `force` adds the ellipsis even when it fits. */
function fitWithEllipsis(ctx: SKRSContext2D, line: string, maxWidth: number, force: boolean): string {
  if (!force && ctx.measureText(line).width <= maxWidth) return line;
  let text = line;
  while (text.length > 1 && ctx.measureText(`${text}…`).width > maxWidth) text = text.slice(0, -1);
  return `${text.trimEnd()}…`;
}

export function roundedRect(ctx: SKRSContext2D, x: number, y: number, w: number, h: number, r: number): void {
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, r);
  ctx.fill();
}

/** Draws pills left to right and returns the x after the last one; pills that do not fit are dropped. */
export function paintPills(
  ctx: SKRSContext2D,
  labels: readonly string[],
  x: number,
  y: number,
  maxX: number,
  color: (label: string) => string,
  size = 22,
): number {
  ctx.font = font(size, 'bold');
  ctx.textBaseline = 'middle';
  let cursor = x;
  for (const label of labels) {
    const width = ctx.measureText(label).width + size * 1.2;
    if (cursor + width > maxX) break;
    ctx.fillStyle = color(label);
    roundedRect(ctx, cursor, y, width, size * 1.7, size * 0.85);
    ctx.fillStyle = '#0b1020';
    ctx.fillText(label, cursor + size * 0.6, y + size * 0.87);
    cursor += width + size * 0.5;
  }
  ctx.textBaseline = 'alphabetic';
  return cursor;
}

/** Vertical bars with labels under them; `grow` (0..1) animates the bars' height. */
export function paintColumnChart(
  ctx: SKRSContext2D,
  values: readonly number[],
  labels: readonly string[],
  box: { x: number; y: number; w: number; h: number },
  grow: number,
): void {
  const max = Math.max(1, ...values);
  const slot = box.w / values.length;
  const barWidth = slot * 0.62;
  const chartHeight = box.h - 40;
  ctx.strokeStyle = palette.grid;
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = box.y + chartHeight - (chartHeight * i) / 4;
    ctx.beginPath();
    ctx.moveTo(box.x, y);
    ctx.lineTo(box.x + box.w, y);
    ctx.stroke();
  }
  ctx.textAlign = 'center';
  values.forEach((value, i) => {
    const height = (chartHeight * value * grow) / max;
    const x = box.x + slot * i + (slot - barWidth) / 2;
    ctx.fillStyle = palette.accent;
    roundedRect(ctx, x, box.y + chartHeight - height, barWidth, Math.max(height, 0.01), 6);
    ctx.fillStyle = palette.muted;
    ctx.font = font(18);
    ctx.fillText(labels[i] ?? '', x + barWidth / 2, box.y + box.h - 8);
    if (value > 0 && grow >= 1) {
      ctx.fillStyle = palette.text;
      ctx.font = font(18, 'bold');
      ctx.fillText(String(value), x + barWidth / 2, box.y + chartHeight - height - 10);
    }
  });
  ctx.textAlign = 'left';
}

/** Horizontal bars, one per row, labelled on the left and valued on the right. */
export function paintBarList(
  ctx: SKRSContext2D,
  rows: ReadonlyArray<{ label: string; value: number; color: string }>,
  box: { x: number; y: number; w: number; rowHeight: number },
  grow: number,
): void {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const labelWidth = box.w * 0.38;
  const barSpace = box.w - labelWidth - 60;
  rows.forEach((row, i) => {
    const y = box.y + i * box.rowHeight;
    ctx.fillStyle = palette.text;
    ctx.font = font(24);
    ctx.fillText(fitWithEllipsis(ctx, row.label, labelWidth - 16, false), box.x, y + box.rowHeight * 0.55);
    ctx.fillStyle = row.color;
    roundedRect(
      ctx,
      box.x + labelWidth,
      y + box.rowHeight * 0.18,
      Math.max(4, (barSpace * row.value * grow) / max),
      box.rowHeight * 0.5,
      8,
    );
    ctx.fillStyle = palette.muted;
    ctx.font = font(22, 'bold');
    ctx.fillText(String(row.value), box.x + labelWidth + barSpace + 14, y + box.rowHeight * 0.55);
  });
}
