/**
 * A large document join: one seeding client types SIZE_KB of text into a fresh document (in 16 KiB chunks,
 * each acknowledged) and stays connected; after SEED_TIME, JOINERS new clients join one per iteration and
 * time their full sync (received and applied). A joiner that gets less than the whole text counts as
 * incomplete.
 *
 *   k6 run -e URL=wss://host/collab -e TOKEN_FILE=token.txt -e SIZE_KB=1024 -e JOINERS=20 build/large-document.js
 */
import type { Options } from 'k6/options';
import { Counter, Trend } from 'k6/metrics';
import { CollabSession } from './collab-session.ts';
import { count, documentName, duration, newRun, target, token, type RunData } from './run-options.ts';

const sizeBytes = count('SIZE_KB', 1024) * 1024;
const joiners = count('JOINERS', 20);
const seedMs = duration('SEED_TIME', '60s');
const joinWindowMs = duration('JOIN_WINDOW', '2m');
const participantToken = token('PARTICIPANT');

const largeSync = new Trend('collab_large_document_sync_time', true);
const incomplete = new Counter('collab_large_document_incomplete');

export const setup = newRun;

export const options: Options = {
  scenarios: {
    seed: {
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 1,
      exec: 'seed',
      maxDuration: `${Math.ceil((seedMs + joinWindowMs) / 1000) + 60}s`,
    },
    joiners: {
      executor: 'shared-iterations',
      vus: Math.min(joiners, 5),
      iterations: joiners,
      exec: 'joiner',
      startTime: `${Math.ceil(seedMs / 1000)}s`,
      maxDuration: `${Math.ceil(joinWindowMs / 1000)}s`,
    },
  },
  thresholds: {
    collab_large_document_sync_time: [`p(95)<${count('THRESHOLD_LARGE_SYNC_P95_MS', 5000)}`],
    collab_large_document_incomplete: ['count<1'],
    collab_join_failed: ['rate<0.01'],
  },
};

export function seed(run: RunData): void {
  new CollabSession({
    url: target.url,
    documentName: documentName(run, 'large', 0),
    token: participantToken,
    name: 'seed',
    holdMs: seedMs + joinWindowMs,
    typingRate: 0,
    onSynced: (session) => session.fill(sizeBytes, 16 * 1024, () => undefined),
  }).open();
}

export function joiner(run: RunData): void {
  new CollabSession({
    url: target.url,
    documentName: documentName(run, 'large', 0),
    token: participantToken,
    name: 'joiner',
    holdMs: joinWindowMs,
    typingRate: 0,
    onSynced: (session) => {
      if (session.doc.getText('code').length < sizeBytes) incomplete.add(1);
      else largeSync.add(session.syncMs);
      session.close();
    },
  }).open();
}
