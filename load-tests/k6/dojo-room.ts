/**
 * A dojo room: one facilitator and N participants typing at human speed, M observers watching, in each of
 * ROOMS rooms. Everyone holds their socket for DURATION.
 *
 *   k6 run -e URL=wss://host/collab -e TOKEN_FILE=token.txt -e PARTICIPANTS=10 -e OBSERVERS=20 build/dojo-room.js
 */
import exec from 'k6/execution';
import type { Options, Scenario } from 'k6/options';
import { CollabSession } from './collab-session.ts';
import { collabThresholds, count, documentName, duration, newRun, target, token, type RunData } from './run-options.ts';

const rooms = count('ROOMS', 1);
const participants = count('PARTICIPANTS', 10);
const observers = count('OBSERVERS', 20);
const typingRate = count('TYPING_RATE', 5);
const holdMs = duration('DURATION', '2m');
const tokens = { facilitator: token('FACILITATOR'), participant: token('PARTICIPANT'), observer: token('OBSERVER') };

const everyoneOnce = (vus: number, execName: string): Record<string, Scenario> =>
  vus > 0
    ? {
        [execName]: {
          executor: 'per-vu-iterations',
          vus,
          iterations: 1,
          exec: execName,
          maxDuration: `${Math.ceil(holdMs / 1000) + 120}s`,
        },
      }
    : {};

export const setup = newRun;

export const options: Options = {
  scenarios: {
    ...everyoneOnce(rooms, 'facilitator'),
    ...everyoneOnce(rooms * participants, 'participant'),
    ...everyoneOnce(rooms * observers, 'observer'),
  },
  thresholds: collabThresholds({ connectP95: 1000, syncP95: 2000, updateP99: 250 }),
};

function join(run: RunData, role: keyof typeof tokens, rate: number): void {
  const seat = exec.scenario.iterationInTest;
  new CollabSession({
    url: target.url,
    documentName: documentName(run, 'dojo', seat % rooms),
    token: tokens[role],
    name: `${role} ${seat}`,
    holdMs,
    typingRate: rate,
  }).open();
}

export const facilitator = (run: RunData) => join(run, 'facilitator', typingRate);
export const participant = (run: RunData) => join(run, 'participant', typingRate);
export const observer = (run: RunData) => join(run, 'observer', 0);
