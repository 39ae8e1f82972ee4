/**
 * A join storm: CONNECTIONS clients arrive at a constant high rate over RAMP (e.g. a class told "join now"),
 * each authenticating, syncing its room and staying for HOLD. Thresholds watch connect and sync times.
 *
 *   k6 run -e URL=wss://host/collab -e TOKEN_FILE=token.txt -e CONNECTIONS=2000 -e RAMP=20s build/join-storm.js
 */
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { CollabSession } from './collab-session.ts';
import {
  arrivals,
  collabThresholds,
  count,
  documentName,
  duration,
  newRun,
  target,
  token,
  type RunData,
} from './run-options.ts';

const connections = count('CONNECTIONS', 2000);
const rooms = count('ROOMS', 100);
const rampMs = duration('RAMP', '20s');
const holdMs = duration('HOLD', '1m');
const participantToken = token('PARTICIPANT');

export const setup = newRun;

export const options: Options = {
  scenarios: {
    storm: arrivals(connections, rampMs),
  },
  thresholds: collabThresholds({ connectP95: 2000, syncP95: 3000, updateP99: 500 }),
};

export default function arrive(run: RunData): void {
  const seat = exec.scenario.iterationInTest;
  new CollabSession({
    url: target.url,
    documentName: documentName(run, 'storm', seat % rooms),
    token: participantToken,
    name: `arrival ${seat}`,
    holdMs,
    typingRate: 0,
  }).open();
}
