import { createHash, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { constants } from 'node:fs';
import { access, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DomainError } from '@pocdojo/shared';
import {
  languageIdSchema,
  languageNames,
  runFilePathSchema,
  type Language,
  type LanguageId,
  type RunFiles,
  type RunResult,
} from '@pocdojo/shared/contract/runs';
import { Run } from './run.ts';
import { formatBytes, resolveRunLimits, type RunLimits } from './run-limits.ts';
import type { Availability, Sandbox } from './sandbox/sandbox.ts';
import { cacheMountPoint, loadKata, type StartPoint } from './start-point.ts';

export interface RunnerOptions {
  sandbox: Sandbox;
  startPoints: StartPoint[];
  /** Every run's limits unless the request narrows or widens one (within runLimitsSchema's ceilings). */
  limits: RunLimits;
  /** Where the start points' caches are built and kept (a directory of the runner's; runs read them only). */
  cacheDir: string;
}

export interface RunRequest {
  language: LanguageId;
  files: RunFiles;
  limits?: Partial<RunLimits>;
}

/** Generous: a cache is built once per toolchain, and C++'s precompiled Catch2 takes a while on one core. */
const cacheLimits: Partial<RunLimits> = {
  wallSeconds: 300,
  cpuSeconds: 300,
  memoryBytes: 2048 * 1024 * 1024,
  diskBytes: 512 * 1024 * 1024,
  fileBytes: 256 * 1024 * 1024,
};

/**
 * The runner: the languages it offers (start points whose toolchains this machine has) and the runs it
 * starts, each in a fresh sandbox. `observer` emits `newrun` with each Run as it starts.
 */
export class Runner {
  /** `newrun` with each Run as it starts; `known` when a language's first probe has settled. */
  readonly observer = new EventEmitter<{ newrun: [Run]; known: [LanguageId] }>();
  private readonly startPoints: Map<LanguageId, StartPoint>;
  private readonly availability = new Map<LanguageId, Promise<Availability>>();
  private readonly settled = new Map<LanguageId, Availability>();
  private readonly caches = new Map<LanguageId, Promise<string | undefined>>();

  constructor(private readonly options: RunnerOptions) {
    this.startPoints = new Map(options.startPoints.map((s) => [s.id, s]));
  }

  /** Every language the runner knows, with whether this machine can run it and why not. */
  async languages(): Promise<Language[]> {
    return Promise.all(
      [...this.startPoints.values()].map(async (startPoint) => {
        const availability = await this.available(startPoint.id);
        return {
          id: startPoint.id,
          name: languageNames[startPoint.id],
          testFramework: startPoint.testFramework,
          available: availability.ok,
          ...(availability.ok ? {} : { reason: availability.reason }),
        };
      }),
    );
  }

  /**
   * Every language as far as this runner knows it now, without waiting: one whose first probe is still
   * going on (building a toolchain's cache can take a minute) is listed as getting ready, so the languages
   * that are ready can be offered at once. Starts the probes not started yet.
   */
  languagesNow(): Language[] {
    return [...this.startPoints.values()].map((startPoint) => {
      void this.available(startPoint.id);
      const availability = this.settled.get(startPoint.id);
      const base = { id: startPoint.id, name: languageNames[startPoint.id], testFramework: startPoint.testFramework };
      if (!availability) {
        return {
          ...base,
          available: false,
          reason: 'getting ready on this server; try again in a minute',
          preparing: true,
        };
      }
      return {
        ...base,
        available: availability.ok,
        ...(availability.ok ? {} : { reason: availability.reason }),
      };
    });
  }

  /** Cached per language: the sandbox's own check, then the toolchain's files, then its cache (built once). */
  available(language: LanguageId): Promise<Availability> {
    let known = this.availability.get(language);
    if (!known) {
      known = this.probe(language).then((availability) => {
        this.settled.set(language, availability);
        this.observer.emit('known', language);
        return availability;
      });
      this.availability.set(language, known);
    }
    return known;
  }

  /** The starter kata of a language: a fresh dojo's files. */
  kata(language: LanguageId): Promise<RunFiles> {
    return loadKata(this.startPoint(language));
  }

  /** Starts a run; refuses bad requests (`invalid`) and languages this machine cannot run (`unavailable`). */
  async start(request: RunRequest): Promise<Run> {
    const language = languageIdSchema.safeParse(request.language);
    if (!language.success) throw new DomainError('invalid', `there is no language "${String(request.language)}"`);
    const startPoint = this.startPoint(language.data);
    const limits = this.limitsOf(request);
    const files = this.checkFiles(request.files, limits);
    const availability = await this.available(startPoint.id);
    if (!availability.ok) {
      throw new DomainError(
        'unavailable',
        `${languageNames[startPoint.id]} runs are unavailable: ${availability.reason}`,
      );
    }
    const run = new Run(this.options.sandbox, { startPoint, files, limits, cacheDir: await this.cacheOf(startPoint) });
    this.observer.emit('newrun', run);
    return run;
  }

  /** Runs the tests once: the call a job queue makes. */
  async runTests(request: RunRequest): Promise<RunResult> {
    return (await this.start(request)).result;
  }

  private startPoint(language: LanguageId): StartPoint {
    const startPoint = this.startPoints.get(language);
    if (!startPoint) throw new DomainError('not_found', `${languageNames[language]} is not offered by this runner`);
    return startPoint;
  }

  private limitsOf(request: RunRequest): RunLimits {
    try {
      return resolveRunLimits(this.options.limits, request.limits);
    } catch (error) {
      const problems = error instanceof z.ZodError ? error.issues.map((i) => `${i.path.join('.')} ${i.message}`) : [];
      throw new DomainError('invalid', `the run's limits are out of range: ${problems.join('; ')}`);
    }
  }

  /** Paths a sandbox can hold, under the size limit: refused here, before any sandbox starts. */
  private checkFiles(files: unknown, limits: RunLimits): RunFiles {
    const parsed = z.record(z.string(), z.string()).safeParse(files);
    if (!parsed.success) throw new DomainError('invalid', 'the files cannot run: they must map paths to text');
    const paths = Object.keys(parsed.data);
    for (const path of paths) {
      const checked = runFilePathSchema.safeParse(path);
      if (!checked.success) {
        throw new DomainError('invalid', `the files cannot run: "${path}" ${checked.error.issues[0]?.message ?? ''}`);
      }
    }
    const folders = new Set<string>();
    for (const parts of paths.map((path) => path.split('/'))) {
      for (let depth = 1; depth < parts.length; depth++) folders.add(parts.slice(0, depth).join('/'));
    }
    const clash = paths.find((path) => folders.has(path));
    if (clash) throw new DomainError('invalid', `the files cannot run: "${clash}" is both a file and a folder`);
    const size = Object.entries(parsed.data).reduce(
      (sum, [path, text]) => sum + path.length + Buffer.byteLength(text),
      0,
    );
    if (size > limits.submittedBytes) {
      throw new DomainError(
        'invalid',
        `the files are ${formatBytes(size)} together; a run takes at most ${formatBytes(limits.submittedBytes)}`,
      );
    }
    return parsed.data;
  }

  private async probe(language: LanguageId): Promise<Availability> {
    const sandbox = await this.options.sandbox.check();
    if (!sandbox.ok) return sandbox;
    const startPoint = this.startPoint(language);
    for (const requirement of startPoint.requires) {
      try {
        await access(requirement.path, constants.R_OK);
      } catch {
        return { ok: false, reason: `this server has no ${requirement.path} (${requirement.from})` };
      }
    }
    try {
      await this.cacheOf(startPoint);
      await startPoint.check?.warm(await loadKata(startPoint));
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
  }

  private cacheOf(startPoint: StartPoint): Promise<string | undefined> {
    let cache = this.caches.get(startPoint.id);
    if (!cache) {
      cache = this.buildCache(startPoint);
      this.caches.set(startPoint.id, cache);
    }
    return cache;
  }

  /**
   * A start point's cache, built once in a sandbox of its own (no user code in it) into a fresh folder,
   * then renamed into place. Its name holds a digest of the build script and of the toolchain files, so a
   * new compiler makes a new cache; a finished one is reused across restarts.
   */
  private async buildCache(startPoint: StartPoint): Promise<string | undefined> {
    if (!startPoint.cache) return undefined;
    const digest = createHash('sha256').update(startPoint.cache.build);
    for (const requirement of startPoint.requires) {
      const { size, mtimeMs } = await stat(requirement.path);
      digest.update(`${requirement.path}:${size}:${mtimeMs}`);
    }
    const final = join(this.options.cacheDir, `${startPoint.id}-${digest.digest('hex').slice(0, 16)}`);
    if (
      await stat(final).then(
        () => true,
        () => false,
      )
    )
      return final;

    await mkdir(this.options.cacheDir, { recursive: true, mode: 0o755 });
    const building = `${final}.building-${randomUUID()}`;
    await mkdir(building, { mode: 0o755 });
    try {
      const outcome = await this.options.sandbox.run({
        // The starter kata: a cache of what a run loads is best built by a run.
        files: await loadKata(startPoint),
        test: startPoint.cache.build,
        env: startPoint.env,
        mounts: [...startPoint.mounts, { host: building, at: cacheMountPoint, writable: true }],
        // Past the ceilings a run may ask for: this is the runner's own trusted work, done once.
        limits: { ...this.options.limits, ...cacheLimits },
      });
      if (outcome.testStatus !== 0) {
        const said = outcome.output.text.trim().split('\n').slice(-3).join(' ');
        throw new Error(
          `its cache could not be built (${outcome.limitHit ?? `exit status ${outcome.testStatus}`}): ${said}`,
        );
      }
      await rename(building, final).catch(async (error: NodeJS.ErrnoException) => {
        // Another runner process built the same cache meanwhile: theirs is as good as ours.
        if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
        await rm(building, { recursive: true, force: true });
      });
      return final;
    } catch (error) {
      await rm(building, { recursive: true, force: true });
      throw error;
    }
  }
}
