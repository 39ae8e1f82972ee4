/**
 * Idle connections held for minutes: CONNECTIONS silent clients over ROOMS documents, joined over RAMP and held
 * for HOLD, renewing their awareness every 15 s like stock providers. No socket may be dropped.
 *
 *   k6 run -e URL=wss://host/collab -e TOKEN_FILE=token.txt -e CONNECTIONS=5000 -e HOLD=10m build/idle-connections.js
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

const connections = count('CONNECTIONS', 5000);
const rooms = count('ROOMS', 50);
const rampMs = duration('RAMP', '1m');
const holdMs = duration('HOLD', '10m');
const observerToken = token('OBSERVER');

export const setup = newRun;

export const options: Options = {
  scenarios: {
    idle: arrivals(connections, rampMs, holdMs),
  },
  thresholds: {
    ...collabThresholds({ connectP95: 2000, syncP95: 3000, updateP99: 500 }),
    collab_unexpected_close: ['count<1'],
  },
};

export default function hold(run: RunData): void {
  const seat = exec.scenario.iterationInTest;
  new CollabSession({
    url: target.url,
    documentName: documentName(run, 'idle', seat % rooms),
    token: observerToken,
    name: `idle ${seat}`,
    holdMs,
    typingRate: 0,
  }).open();
}
