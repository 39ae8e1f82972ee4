import { createCanvas } from '@napi-rs/canvas';
import { font, languageColor, paintBackground, paintBarList, palette, wrapText } from './drawing.ts';
import { yearStatistics } from './scene-plan.ts';
import type { VideoInput } from './video-input.ts';

/** The 1200×630 PNG that link previews (Open Graph) show for a shared video: person, year, POC count, top languages. */
export const SHARE_CARD_WIDTH = 1200;
export const SHARE_CARD_HEIGHT = 630;

export function renderShareCard(input: VideoInput): Buffer {
  const canvas = createCanvas(SHARE_CARD_WIDTH, SHARE_CARD_HEIGHT);
  const ctx = canvas.getContext('2d');
  const statistics = yearStatistics(input.pocs, 4);
  paintBackground(ctx, SHARE_CARD_WIDTH, SHARE_CARD_HEIGHT, 260);

  ctx.fillStyle = palette.accent;
  ctx.font = font(28, 'bold');
  ctx.fillText(wrapText(ctx, `${input.tenant.name} · Year in review`, 1040, 1)[0] ?? '', 70, 90);
  ctx.fillStyle = palette.text;
  ctx.font = font(130, 'bold');
  ctx.fillText(String(input.year), 62, 230);
  ctx.font = font(48, 'bold');
  ctx.fillText(wrapText(ctx, input.person.name, 560, 1)[0] ?? '', 70, 310);
  ctx.fillStyle = palette.accent;
  ctx.font = font(150, 'bold');
  ctx.fillText(String(statistics.pocCount), 70, 500);
  ctx.fillStyle = palette.muted;
  ctx.font = font(34);
  ctx.fillText(statistics.pocCount === 1 ? 'proof of concept' : 'proofs of concept', 70, 555);

  ctx.fillStyle = palette.text;
  ctx.font = font(30, 'bold');
  ctx.fillText('Top languages', 680, 250);
  paintBarList(
    ctx,
    statistics.topLanguages.map((l) => ({ label: l.language, value: l.count, color: languageColor(l.language) })),
    { x: 680, y: 280, w: 460, rowHeight: 68 },
    1,
  );
  return canvas.toBuffer('image/png');
}
