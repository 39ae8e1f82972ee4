import { z } from 'zod';

/**
 * What a test run answers, for everyone who shows or stores it: the runner produces it, the API and the
 * dojo protocol carry it, the web app and the SDK read it. Browser-safe: zod only.
 *
 * The light follows cyber-dojo: green when every test passed; red when the tests ran and at least one
 * failed; amber when there is nothing to judge by (the code did not build, the run crashed, no test ran,
 * or a limit stopped it).
 */
export const lights = ['green', 'red', 'amber'] as const;
export const lightSchema = z.enum(lights);
export type Light = z.infer<typeof lightSchema>;

/** The languages a dojo can run, each with its start point (a starter kata and its test framework). */
export const languageIds = ['typescript', 'javascript', 'python', 'java', 'go', 'ruby', 'cpp', 'rust'] as const;
export const languageIdSchema = z.enum(languageIds);
export type LanguageId = z.infer<typeof languageIdSchema>;

/** The names people read; ids stay in URLs and documents. */
export const languageNames: Record<LanguageId, string> = {
  typescript: 'TypeScript',
  javascript: 'JavaScript',
  python: 'Python 3',
  java: 'Java 17',
  go: 'Go',
  ruby: 'Ruby',
  cpp: 'C++',
  rust: 'Rust',
};

/** A language as offered on this server: missing toolchains make it unavailable, with the reason. */
export const languageSchema = z.object({
  id: languageIdSchema,
  name: z.string(),
  /** The test framework the starter kata uses, e.g. "pytest". */
  testFramework: z.string(),
  available: z.boolean(),
  reason: z.string().optional(),
  /** Not available yet: a runner is still preparing it (its first probe may build a toolchain's cache). */
  preparing: z.boolean().optional(),
});
export type Language = z.infer<typeof languageSchema>;

/** Which limit stopped a run. */
export const runLimitKinds = ['time', 'cpu', 'memory', 'output', 'processes', 'files', 'disk'] as const;
export const runLimitKindSchema = z.enum(runLimitKinds);
export type RunLimitKind = z.infer<typeof runLimitKindSchema>;

/** At most this many failing test names travel with a result; the output holds the rest. */
export const maxFailingNames = 100;

export const runResultSchema = z.object({
  light: lightSchema,
  /** Tests that passed and failed, as the test framework reported them (0 when it reported nothing). */
  passed: z.number().int().min(0),
  failed: z.number().int().min(0),
  /** The failing tests' names as the framework spells them, in its order. */
  failing: z.array(z.string()).max(maxFailingNames),
  /** What the build and the tests printed (stdout and stderr interleaved), cut at the output limit. */
  output: z.string(),
  /** True when `output` was cut; the text then ends with a note that says so. */
  outputTruncated: z.boolean(),
  /** One sentence a person reads: "1 of 4 tests failed", "did not compile", "timed out after 10 s". */
  message: z.string(),
  durationMs: z.number().int().min(0),
  limitHit: runLimitKindSchema.optional(),
});
export type RunResult = z.infer<typeof runResultSchema>;

/**
 * A file of a run: a relative path of plain names joined by "/" (no "..", no leading "/", no hidden
 * names) so that every client can check what the runner will accept before sending it.
 */
export const runFilePathSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^(?:[A-Za-z0-9_][A-Za-z0-9_.+-]*\/)*[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, {
    message: 'must be a relative path of names made of letters, digits, "_", "-", "+" and "."',
  })
  .refine((path) => path.split('/').length <= 8, { message: 'is nested more than 8 folders deep' });

export const runFilesSchema = z.record(runFilePathSchema, z.string());
export type RunFiles = z.infer<typeof runFilesSchema>;

/** Who may start a run in a dojo besides its facilitators. */
export const runPolicies = ['driver', 'everyone'] as const;
export type RunPolicy = (typeof runPolicies)[number];

/**
 * A run's life: queued (waiting for a runner; a newer request of the same dojo replaces it), running,
 * then done (with a result) or failed (no result: the runner could not run it, e.g. the language is
 * unavailable here). `replaced` runs never ran.
 */
export const runStatuses = ['queued', 'running', 'done', 'failed', 'replaced'] as const;
export const runStatusSchema = z.enum(runStatuses);
export type RunStatus = z.infer<typeof runStatusSchema>;

/**
 * A run as the room sees it in the `control` document: enough to draw the light and its label. The
 * output, the files it ran and the diff from the previous run come from the REST API by `id`.
 */
export const dojoRunSchema = z.object({
  id: z.string().min(1).max(64),
  status: runStatusSchema,
  /** 1 for the next run a runner takes; set while queued. */
  position: z.number().int().min(1).nullable().default(null),
  /** The turn the code was captured in (0 before the first turn). */
  turn: z.number().int().min(0),
  requestedBy: z.string().min(1).max(128),
  requestedByName: z.string().max(200),
  /** True when auto-run started it. */
  auto: z.boolean().default(false),
  requestedAt: z.number(),
  finishedAt: z.number().nullable().default(null),
  light: lightSchema.nullable().default(null),
  passed: z.number().int().min(0).nullable().default(null),
  failed: z.number().int().min(0).nullable().default(null),
  /** The result's sentence ("2 of 5 tests failed"), or why a run failed. */
  message: z.string().max(500).nullable().default(null),
});
export type DojoRun = z.infer<typeof dojoRunSchema>;

/** How many runs the `control` document keeps (newest last); older ones are read through the API. */
export const controlRunsKept = 50;

/**
 * The REST API's answers about runs (api/src/runs, clients/sdk/src/runs-client.ts). A dojo's runs,
 * newest first; `nextCursor` reads the older ones (null on the last page).
 */
export const runListSchema = z.object({
  items: z.array(dojoRunSchema),
  nextCursor: z.string().nullable().default(null),
});
export type RunList = z.infer<typeof runListSchema>;

/** One run in full: what the room saw, the result's output and failing tests, and the code it ran. */
export const runDetailSchema = dojoRunSchema.extend({
  output: runResultSchema.shape.output.nullable().default(null),
  outputTruncated: z.boolean().default(false),
  failing: runResultSchema.shape.failing.default([]),
  files: runFilesSchema,
  /** The dojo's run requested before this one (with files), to diff against; null for the first. */
  previousRunId: z.string().nullable().default(null),
});
export type RunDetail = z.infer<typeof runDetailSchema>;

/** Every language of the contract, each available or not with the reason. */
export const languageListSchema = z.object({ items: z.array(languageSchema) });

/** A language's starter kata: the files a new dojo starts from (its tests fail until someone solves it). */
export const kataSchema = z.object({ language: languageIdSchema, files: runFilesSchema });
export type Kata = z.infer<typeof kataSchema>;
