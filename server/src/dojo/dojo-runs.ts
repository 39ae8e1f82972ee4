import * as Y from 'yjs';
import { DomainError, type Database } from '@pocdojo/shared';
import type { Kysely } from 'kysely';
import { readCodeFiles, type CodeFiles } from '@pocdojo/shared/contract/dojo-code';
import { runLanguageOf } from '@pocdojo/shared/contract/run-languages';
import { controlRunsKept, languageNames, type DojoRun } from '@pocdojo/shared/contract/runs';
import { RunQueue } from '@pocdojo/shared/runs/run-queue';
import { liveLanguages } from '@pocdojo/shared/runs/runner-availability';
import type { DojoKey, DojoRecords } from './dojo-records.ts';

export interface RunSettings {
  /** The most code a run may carry (the runners refuse more). */
  submittedBytes: number;
  autoRunDebounceMs: number;
  pollMs: number;
  runnerStaleSeconds: number;
}

export interface RunRequester {
  userId: string;
  name: string;
}

/**
 * A dojo's test runs as the collaboration tier handles them: a request captures the `code` document's
 * files and Yjs state vector at that moment and queues them (shared/src/runs/run-queue.ts); the room's
 * `control` document shows the latest runs, read back from the table.
 */
export class DojoRuns {
  private readonly queue: RunQueue;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly records: DojoRecords,
    readonly settings: RunSettings,
  ) {
    // Requests and lists only: admission (the per-tenant limit) is the runners' work.
    this.queue = new RunQueue(db, 1);
  }

  /**
   * Queues a run of `code` as it is now. Refused (DomainError) when the dojo's language has no start
   * point or no live runner runs it, or when the code is larger than a run takes.
   */
  async request(
    key: DojoKey,
    code: Y.Doc,
    by: RunRequester,
    options: { turn: number; auto: boolean },
  ): Promise<string> {
    const files = plainFiles(readCodeFiles(code));
    const stateVector = Y.encodeStateVector(code);
    const spelled = (await this.records.dojoLanguage(key)) ?? '';
    const language = runLanguageOf(spelled);
    if (!language) {
      throw new DomainError(
        'unavailable',
        spelled
          ? `${spelled} code cannot be run here: there is no test runner for it`
          : 'this dojo has no language, so its tests cannot be run',
      );
    }
    const offered = (await liveLanguages(this.db, this.settings.runnerStaleSeconds)).find((l) => l.id === language);
    if (!offered?.available) {
      throw new DomainError('unavailable', `${languageNames[language]} tests cannot run now: ${offered?.reason ?? ''}`);
    }
    const size = Object.entries(files).reduce((sum, [path, text]) => sum + path.length + Buffer.byteLength(text), 0);
    if (size > this.settings.submittedBytes) {
      throw new DomainError(
        'invalid',
        `the code is ${Math.ceil(size / 1024)} KiB; a run takes at most ${Math.floor(this.settings.submittedBytes / 1024)} KiB`,
      );
    }
    const { id } = await this.queue.request({
      ...key,
      language,
      turn: options.turn,
      requestedBy: by.userId,
      requestedByName: by.name,
      auto: options.auto,
      files,
      stateVector,
    });
    return id;
  }

  /** The latest runs for the `control` document, oldest first, queued ones with their positions. */
  recent(key: DojoKey): Promise<DojoRun[]> {
    return this.queue.recent(key.tenantId, key.dojoId, controlRunsKept);
  }
}

const plainFiles = (files: CodeFiles): Record<string, string> =>
  Object.fromEntries(Object.entries(files).map(([path, file]) => [path, file.text]));

/** True while any of the runs still waits or runs: the room keeps reading their state. */
export const inFlight = (runs: DojoRun[]): boolean =>
  runs.some((run) => run.status === 'queued' || run.status === 'running');
