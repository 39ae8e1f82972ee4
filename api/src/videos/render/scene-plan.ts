import { VIDEO_FPS, type RenderOptions, type VideoInput, type VideoPoc } from './video-input.ts';

/**
 * The scene plan is the whole video as data: which scenes, in which order, on which frames, and what the
 * narrator says in each. Frames, soundtrack and the predicted duration all derive from it, so the
 * duration a test reads back from the MP4 must equal `durationSec` here.
 */
export interface LanguageCount {
  language: string;
  count: number;
}

export interface YearStatistics {
  pocCount: number;
  /** POCs created in each month, January first. */
  perMonth: number[];
  topLanguages: LanguageCount[];
  dojoSessions: number;
  dojoMinutes: number;
}

export type Scene =
  | { kind: 'opening'; person: string; tenant: string; year: number; pocCount: number }
  | { kind: 'poc'; index: number; total: number; poc: VideoPoc }
  | { kind: 'statistics'; year: number; statistics: YearStatistics }
  | { kind: 'closing'; person: string; tenant: string; year: number; pocCount: number; topLanguage: string | null };

export interface PlannedScene {
  scene: Scene;
  startFrame: number;
  frameCount: number;
  narration: string;
}

export interface ScenePlan {
  fps: number;
  scenes: PlannedScene[];
  totalFrames: number;
  durationSec: number;
}

const UNKNOWN_LANGUAGE = 'Other';

export function yearStatistics(pocs: readonly VideoPoc[], topN = 5): YearStatistics {
  const perMonth = Array.from({ length: 12 }, () => 0);
  const languages = new Map<string, number>();
  let dojoSessions = 0;
  let dojoMinutes = 0;
  for (const poc of pocs) {
    const month = poc.createdAt.getUTCMonth();
    perMonth[month] = (perMonth[month] ?? 0) + 1;
    const language = poc.language ?? UNKNOWN_LANGUAGE;
    languages.set(language, (languages.get(language) ?? 0) + 1);
    dojoSessions += poc.dojoSessions.length;
    dojoMinutes += poc.dojoSessions.reduce((sum, s) => sum + (s.minutes ?? 0), 0);
  }
  const topLanguages = [...languages.entries()]
    .map(([language, count]) => ({ language, count }))
    .sort((a, b) => b.count - a.count || a.language.localeCompare(b.language))
    .slice(0, topN);
  return { pocCount: pocs.length, perMonth, topLanguages, dojoSessions, dojoMinutes: Math.round(dojoMinutes) };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const monthName = (date: Date) => date.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });

/** What the narrator says over each scene: short sentences built from the data, nothing invented. */
export function narrationFor(scene: Scene): string {
  switch (scene.kind) {
    case 'opening':
      return `${scene.person}, this was your ${scene.year} at ${scene.tenant}: ${plural(scene.pocCount, 'proof of concept')}.`;
    case 'poc': {
      const { poc } = scene;
      const language = poc.language ? ` in ${poc.language}` : '';
      const dojo =
        poc.dojoSessions.length > 0 ? ` It went through ${plural(poc.dojoSessions.length, 'dojo session')}.` : '';
      return `In ${monthName(poc.createdAt)}: ${poc.name}${language}.${dojo}`;
    }
    case 'statistics': {
      const top = scene.statistics.topLanguages[0];
      const busiest = scene.statistics.perMonth.indexOf(Math.max(...scene.statistics.perMonth));
      const busiestName = monthName(new Date(Date.UTC(scene.year, busiest, 1)));
      const language = top ? ` Your top language was ${top.language}.` : '';
      return `${plural(scene.statistics.pocCount, 'proof of concept')} in total. Your busiest month was ${busiestName}.${language}`;
    }
    case 'closing':
      return `Thank you for a great ${scene.year}, ${scene.person}. See you next year.`;
  }
}

export function planScenes(input: VideoInput, options: RenderOptions, fps = VIDEO_FPS): ScenePlan {
  const pocs = [...input.pocs].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const statistics = yearStatistics(pocs);
  const frames = (seconds: number) => Math.max(1, Math.round(seconds * fps));
  const { timing } = options;
  const scenes: Array<{ scene: Scene; frameCount: number }> = [
    {
      scene: {
        kind: 'opening',
        person: input.person.name,
        tenant: input.tenant.name,
        year: input.year,
        pocCount: pocs.length,
      },
      frameCount: frames(timing.openingSec),
    },
    ...pocs.map((poc, index) => ({
      scene: { kind: 'poc' as const, index, total: pocs.length, poc },
      frameCount: frames(timing.pocSec),
    })),
    { scene: { kind: 'statistics', year: input.year, statistics }, frameCount: frames(timing.statisticsSec) },
    {
      scene: {
        kind: 'closing',
        person: input.person.name,
        tenant: input.tenant.name,
        year: input.year,
        pocCount: pocs.length,
        topLanguage: statistics.topLanguages[0]?.language ?? null,
      },
      frameCount: frames(timing.closingSec),
    },
  ];
  let startFrame = 0;
  const planned = scenes.map(({ scene, frameCount }) => {
    const item = { scene, startFrame, frameCount, narration: narrationFor(scene) };
    startFrame += frameCount;
    return item;
  });
  return { fps, scenes: planned, totalFrames: startFrame, durationSec: startFrame / fps };
}
