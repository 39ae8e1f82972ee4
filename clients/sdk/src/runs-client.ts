/**
 * Test runs over the REST API: a dojo's runs (the `control` document keeps only the latest), one run in
 * full (its output, the files it ran and the run before it, for a diff), and the languages this server
 * can run with their starter katas. Built on `ApiClient.request`, so sessions, refreshes and errors work
 * as for every other call.
 *
 * The response shapes are written here from the pieces of shared/src/contract/runs.ts; when the API
 * publishes them as schemas of their own there, these should import them instead.
 */
import {
  dojoRunSchema,
  languageIdSchema,
  languageSchema,
  runFilesSchema,
  runResultSchema,
} from '@pocdojo/shared/contract/runs';
import { z } from 'zod';
import type { ApiClient } from './api-client.ts';

export type { DojoRun, Language, LanguageId, Light, RunFiles, RunPolicy } from '@pocdojo/shared/contract/runs';

/** A dojo's runs, newest first. */
export const runListSchema = z.object({ items: z.array(dojoRunSchema) });

/** One run in full: what the room saw, the result's output and failing tests, and the code it ran. */
export const runDetailSchema = dojoRunSchema.extend({
  output: runResultSchema.shape.output.nullable().default(null),
  outputTruncated: z.boolean().default(false),
  failing: runResultSchema.shape.failing.default([]),
  files: runFilesSchema,
  /** The dojo's run before this one, to diff against; null for the first. */
  previousRunId: z.string().nullable().default(null),
});
export type RunDetail = z.infer<typeof runDetailSchema>;

export const languageListSchema = z.object({ items: z.array(languageSchema) });

/** A language's starter kata: the files a new dojo starts from (its tests fail until someone solves it). */
export const kataSchema = z.object({ language: languageIdSchema, files: runFilesSchema });
export type Kata = z.infer<typeof kataSchema>;

export class RunsClient {
  constructor(private readonly api: ApiClient) {}

  listRuns = (dojoId: string) => this.api.request('GET', `/dojos/${encodeURIComponent(dojoId)}/runs`, runListSchema);
  getRun = (dojoId: string, runId: string) =>
    this.api.request('GET', `/dojos/${encodeURIComponent(dojoId)}/runs/${encodeURIComponent(runId)}`, runDetailSchema);
  languages = () => this.api.request('GET', '/runs/languages', languageListSchema);
  kata = (languageId: string) =>
    this.api.request('GET', `/runs/languages/${encodeURIComponent(languageId)}/kata`, kataSchema);
}
