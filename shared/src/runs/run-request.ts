import type { Kysely } from 'kysely';
import * as Y from 'yjs';
import { z } from 'zod';
import { positiveInt } from '../config.ts';
import { readCodeFiles } from '../contract/dojo-code.ts';
import { runLanguageOf } from '../contract/run-languages.ts';
import { languageNames, type RunFiles } from '../contract/runs.ts';
import type { Database } from '../database/schema.ts';
import { DomainError } from '../errors.ts';
import type { RunQueue } from './run-queue.ts';
import { liveLanguages } from './runner-availability.ts';

/**
 * Starting a run of a dojo's code, the same for the dojo's `run` command (server/src/dojo/dojo-runs.ts)
 * and the REST API (api/src/runs): capture the `code` document's files and Yjs state vector as they
 * are, check that the dojo's language can run here now and that the code is not larger than a run
 * takes, and queue the run. Who may run is the caller's check (`mayRun`), before this.
 */
export const runRequestConfigSection = z.object({
  /** The most code a run may carry, as the runners' RUNNER_SUBMITTED_KIB (refused here, before queueing). */
  RUNNER_SUBMITTED_KIB: z.coerce
    .number()
    .int()
    .min(1)
    .max(16 * 1024)
    .default(512),
  /** How long a runner's published languages count after its last beat. */
  RUNNER_STALE_SECONDS: positiveInt(15),
});

export interface RunRequestSettings {
  submittedBytes: number;
  runnerStaleSeconds: number;
}

export interface CodeRunRequest {
  tenantId: string;
  dojoId: string;
  /** The dojo's language as it was spelled when the dojo was created. */
  dojoLanguage: string;
  code: Y.Doc;
  turn: number;
  requestedBy: string;
  requestedByName: string;
  auto: boolean;
}

/**
 * Queues a run of `code` as it is now and returns its id. Refused (DomainError) when the dojo's
 * language has no start point or no live runner runs it, or when the code is larger than a run takes.
 */
export async function requestCodeRun(
  db: Kysely<Database>,
  queue: RunQueue,
  settings: RunRequestSettings,
  request: CodeRunRequest,
): Promise<string> {
  const files = plainFiles(request.code);
  const stateVector = Y.encodeStateVector(request.code);
  const language = runLanguageOf(request.dojoLanguage);
  if (!language) {
    throw new DomainError(
      'unavailable',
      request.dojoLanguage
        ? `${request.dojoLanguage} code cannot be run here: there is no test runner for it`
        : 'this dojo has no language, so its tests cannot be run',
    );
  }
  const offered = (await liveLanguages(db, settings.runnerStaleSeconds)).find((l) => l.id === language);
  if (!offered?.available) {
    throw new DomainError('unavailable', `${languageNames[language]} tests cannot run now: ${offered?.reason ?? ''}`);
  }
  const size = Object.entries(files).reduce((sum, [path, text]) => sum + path.length + Buffer.byteLength(text), 0);
  if (size > settings.submittedBytes) {
    throw new DomainError(
      'invalid',
      `the code is ${Math.ceil(size / 1024)} KiB; a run takes at most ${Math.floor(settings.submittedBytes / 1024)} KiB`,
    );
  }
  const { id } = await queue.request({
    tenantId: request.tenantId,
    dojoId: request.dojoId,
    language,
    turn: request.turn,
    requestedBy: request.requestedBy,
    requestedByName: request.requestedByName,
    auto: request.auto,
    files,
    stateVector,
  });
  return id;
}

const plainFiles = (code: Y.Doc): RunFiles =>
  Object.fromEntries(Object.entries(readCodeFiles(code)).map(([path, file]) => [path, file.text]));
