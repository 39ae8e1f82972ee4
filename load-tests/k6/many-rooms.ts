/**
 * Many small rooms: ROOMS documents with USERS typists each (pair and mob programming sessions side by side),
 * everyone typing at TYPING_RATE keystrokes per second for DURATION.
 *
 *   k6 run -e URL=wss://host/collab -e TOKEN_FILE=token.txt -e ROOMS=200 -e USERS=5 build/many-rooms.js
 */
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { CollabSession } from './collab-session.ts';
import { collabThresholds, count, documentName, duration, newRun, target, token, type RunData } from './run-options.ts';

const rooms = count('ROOMS', 200);
const users = count('USERS', 5);
const typingRate = count('TYPING_RATE', 2);
const holdMs = duration('DURATION', '2m');
const participantToken = token('PARTICIPANT');

export const setup = newRun;

export const options: Options = {
  scenarios: {
    typists: {
      executor: 'per-vu-iterations',
      vus: rooms * users,
      iterations: 1,
      maxDuration: `${Math.ceil(holdMs / 1000) + 120}s`,
    },
  },
  thresholds: collabThresholds({ connectP95: 1000, syncP95: 2000, updateP99: 250 }),
};

export default function typist(run: RunData): void {
  const seat = exec.scenario.iterationInTest;
  new CollabSession({
    url: target.url,
    documentName: documentName(run, 'room', seat % rooms),
    token: participantToken,
    name: `typist ${seat}`,
    holdMs,
    typingRate,
  }).open();
}
