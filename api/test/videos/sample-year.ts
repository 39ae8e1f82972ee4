import type { VideoInput, VideoPoc } from '../../src/videos/render/video-input.ts';

const languages = ['TypeScript', 'Rust', 'Go', 'Python', 'TypeScript', 'Kotlin', 'TypeScript', 'Rust', null];
const tags = [
  ['realtime', 'crdt'],
  ['cli'],
  [],
  ['ml', 'data'],
  ['web'],
  ['android', 'mobile'],
  ['api'],
  ['wasm'],
  ['spike'],
];

/** A deterministic year of `count` POCs spread over the months, some with dojo sessions. */
export function sampleYear(count: number, year = 2026): VideoInput {
  const pocs: VideoPoc[] = Array.from({ length: count }, (_, i) => ({
    name: `POC ${i + 1}: ${['Live cursors', 'Offline sync', 'Edge cache', 'Vector search', 'Voice rooms'][i % 5]}`,
    language: languages[i % languages.length] ?? null,
    tags: tags[i % tags.length] ?? [],
    description:
      i % 4 === 3
        ? null
        : `Trying whether ${['Yjs', 'SQLite', 'WebRTC', 'pgvector', 'mediasoup'][i % 5]} holds up for our dojo workflow, with a small benchmark and notes for the team.`,
    createdAt: new Date(Date.UTC(year, (i * 7) % 12, 1 + (i % 27), 10)),
    dojoSessions:
      i % 3 === 0
        ? [
            {
              title: 'Randori',
              startedAt: new Date(Date.UTC(year, (i * 7) % 12, 2 + (i % 27), 14)),
              minutes: 45,
              participants: 5,
            },
            {
              title: 'Kata',
              startedAt: new Date(Date.UTC(year, (i * 7) % 12, 3 + (i % 25), 14)),
              minutes: null,
              participants: 4,
            },
          ]
        : [],
  }));
  return { person: { name: 'Ada Lovelace' }, tenant: { name: 'Analytical Engines' }, year, pocs };
}
