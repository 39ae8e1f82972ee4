import type { SKRSContext2D } from '@napi-rs/canvas';
import {
  font,
  languageColor,
  paintBackground,
  paintBarList,
  paintColumnChart,
  paintPills,
  palette,
  roundedRect,
  wrapText,
} from './drawing.ts';
import type { Scene } from './scene-plan.ts';

/**
 * Paints one frame of a scene. Each scene animates in during its first INTRO_SEC (fade, slide, growing
 * bars) and then holds still, which lets the renderer reuse the last frame instead of repainting it.
 */
export const INTRO_SEC = 0.6;

const MONTH_LETTERS = ['J', 'F', 'M', 'A', 'M', 'J', 'J', 'A', 'S', 'O', 'N', 'D'];

const easeOutCubic = (t: number) => 1 - (1 - Math.min(1, Math.max(0, t))) ** 3;

/** True when the frame at `secondsIntoScene` looks exactly like every later frame of the same scene. */
export const isStill = (secondsIntoScene: number) => secondsIntoScene >= INTRO_SEC;

const dateLabel = (date: Date) =>
  date.toLocaleDateString('en-US', { month: 'long', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
const shortDate = (date: Date) => date.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

export function paintScene(
  ctx: SKRSContext2D,
  scene: Scene,
  secondsIntoScene: number,
  width: number,
  height: number,
): void {
  const t = easeOutCubic(secondsIntoScene / INTRO_SEC);
  ctx.globalAlpha = 1;
  switch (scene.kind) {
    case 'opening':
      paintBackground(ctx, width, height, 260);
      ctx.globalAlpha = t;
      ctx.fillStyle = palette.accent;
      ctx.font = font(30, 'bold');
      ctx.fillText(`${scene.tenant} · Year in review`, 100, 190 - (1 - t) * 30);
      ctx.fillStyle = palette.text;
      ctx.font = font(160, 'bold');
      ctx.fillText(String(scene.year), 92, 360 - (1 - t) * 40);
      ctx.font = font(54, 'bold');
      ctx.fillText(wrapText(ctx, scene.person, width - 200, 1)[0] ?? '', 100, 460);
      ctx.fillStyle = palette.muted;
      ctx.font = font(34);
      ctx.fillText(`${scene.pocCount} proof${scene.pocCount === 1 ? '' : 's'} of concept`, 100, 530);
      break;
    case 'poc':
      paintPocScene(ctx, scene, t, width, height);
      break;
    case 'statistics':
      paintStatisticsScene(ctx, scene, t, width, height);
      break;
    case 'closing':
      paintBackground(ctx, width, height, 30);
      ctx.globalAlpha = t;
      ctx.fillStyle = palette.text;
      ctx.font = font(96, 'bold');
      ctx.fillText('Thank you!', 100, 300 - (1 - t) * 30);
      ctx.font = font(44, 'bold');
      ctx.fillText(wrapText(ctx, scene.person, width - 200, 1)[0] ?? '', 100, 390);
      ctx.fillStyle = palette.muted;
      ctx.font = font(32);
      ctx.fillText(
        `${scene.pocCount} POC${scene.pocCount === 1 ? '' : 's'} in ${scene.year}${scene.topLanguage ? ` · mostly ${scene.topLanguage}` : ''}`,
        100,
        450,
      );
      ctx.fillStyle = palette.accent;
      ctx.font = font(28, 'bold');
      ctx.fillText(`${scene.tenant} · POC Dojo`, 100, 600);
      break;
  }
  ctx.globalAlpha = 1;
}

function paintPocScene(
  ctx: SKRSContext2D,
  scene: Extract<Scene, { kind: 'poc' }>,
  t: number,
  width: number,
  height: number,
): void {
  const { poc } = scene;
  const color = languageColor(poc.language ?? 'Other');
  paintBackground(ctx, width, height, Number(/hsl\((\d+)/.exec(color)?.[1] ?? 200));
  ctx.globalAlpha = t;
  const slide = (1 - t) * 40;

  ctx.fillStyle = palette.muted;
  ctx.font = font(26);
  ctx.fillText(`${scene.index + 1} / ${scene.total} · ${dateLabel(poc.createdAt)}`, 80 + slide, 90);

  ctx.fillStyle = palette.text;
  ctx.font = font(64, 'bold');
  const title = wrapText(ctx, poc.name, width - 160, 2);
  title.forEach((line, i) => ctx.fillText(line, 80 + slide, 175 + i * 74));
  let y = 175 + title.length * 74 - 20;

  const pills = [...(poc.language ? [poc.language] : []), ...poc.tags.map((tag) => `#${tag}`)];
  if (pills.length > 0) {
    paintPills(ctx, pills, 80 + slide, y, width - 80, (label) => (label.startsWith('#') ? '#cbd5e1' : color));
    y += 70;
  }

  if (poc.description) {
    ctx.fillStyle = '#e2e8f0';
    ctx.font = font(30);
    const lines = wrapText(ctx, poc.description, poc.dojoSessions.length > 0 ? 700 : width - 160, 5);
    lines.forEach((line, i) => ctx.fillText(line, 80 + slide, y + 30 + i * 42));
  }

  if (poc.dojoSessions.length > 0) {
    const panel = { x: 830, y: Math.max(y - 10, 300), w: 370 };
    const shown = poc.dojoSessions.slice(0, 4);
    ctx.fillStyle = palette.panel;
    roundedRect(ctx, panel.x, panel.y, panel.w, 70 + shown.length * 62, 18);
    ctx.fillStyle = palette.accent;
    ctx.font = font(24, 'bold');
    ctx.fillText(`Dojo sessions (${poc.dojoSessions.length})`, panel.x + 24, panel.y + 44);
    shown.forEach((session, i) => {
      const rowY = panel.y + 96 + i * 62;
      ctx.fillStyle = palette.text;
      ctx.font = font(24, 'bold');
      ctx.fillText(
        wrapText(ctx, `${shortDate(session.startedAt)} · ${session.title}`, panel.w - 48, 1)[0] ?? '',
        panel.x + 24,
        rowY,
      );
      ctx.fillStyle = palette.muted;
      ctx.font = font(20);
      const minutes = session.minutes === null ? '' : ` · ${Math.round(session.minutes)} min`;
      ctx.fillText(`${session.participants} people${minutes}`, panel.x + 24, rowY + 26);
    });
  }

  // A strip of dots at the bottom shows where this POC sits in the year.
  ctx.globalAlpha = 1;
  const dots = Math.min(scene.total, 60);
  const active = Math.floor((scene.index * dots) / scene.total);
  for (let i = 0; i < dots; i++) {
    ctx.fillStyle = i === active ? palette.accent : palette.grid;
    ctx.beginPath();
    ctx.arc(80 + i * 18, height - 50, i === active ? 6 : 4, 0, Math.PI * 2);
    ctx.fill();
  }
}

function paintStatisticsScene(
  ctx: SKRSContext2D,
  scene: Extract<Scene, { kind: 'statistics' }>,
  t: number,
  width: number,
  height: number,
): void {
  const { statistics } = scene;
  paintBackground(ctx, width, height, 190);
  ctx.fillStyle = palette.text;
  ctx.font = font(48, 'bold');
  ctx.fillText(`${scene.year} in numbers`, 80, 100);
  ctx.fillStyle = palette.muted;
  ctx.font = font(26);
  ctx.fillText(
    [
      `${statistics.pocCount} POCs`,
      `${statistics.dojoSessions} dojo sessions`,
      ...(statistics.dojoMinutes > 0 ? [`${statistics.dojoMinutes} dojo minutes`] : []),
    ].join(' · '),
    80,
    145,
  );

  ctx.fillStyle = palette.text;
  ctx.font = font(26, 'bold');
  ctx.fillText('POCs per month', 80, 215);
  paintColumnChart(ctx, statistics.perMonth, MONTH_LETTERS, { x: 80, y: 240, w: 620, h: 400 }, t);

  ctx.fillStyle = palette.text;
  ctx.font = font(26, 'bold');
  ctx.fillText('Top languages', 770, 215);
  paintBarList(
    ctx,
    statistics.topLanguages.map((l) => ({ label: l.language, value: l.count, color: languageColor(l.language) })),
    { x: 770, y: 240, w: 430, rowHeight: 72 },
    t,
  );
}
