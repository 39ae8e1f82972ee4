/**
 * Test runs over the REST API: a dojo's runs (the `control` document keeps only the latest), one run in
 * full (its output, the files it ran and the run before it, for a diff), and the languages this server
 * can run with their starter katas. Built on `ApiClient.request`, so sessions, refreshes and errors work
 * as for every other call.
 */
import {
  dojoRunSchema,
  kataSchema,
  languageListSchema,
  runDetailSchema,
  runListSchema,
} from '@pocdojo/shared/contract/runs';
import type { ApiClient } from './api-client.ts';

export type {
  DojoRun,
  Kata,
  Language,
  LanguageId,
  Light,
  RunDetail,
  RunFiles,
  RunList,
  RunPolicy,
} from '@pocdojo/shared/contract/runs';
export { kataSchema, languageListSchema, runDetailSchema, runListSchema };

export class RunsClient {
  constructor(private readonly api: ApiClient) {}

  /** Newest first; pass the previous page's `nextCursor` for older runs. */
  listRuns = (dojoId: string, cursor?: string) =>
    this.api.request(
      'GET',
      `/dojos/${encodeURIComponent(dojoId)}/runs${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
      runListSchema,
    );
  getRun = (dojoId: string, runId: string) =>
    this.api.request('GET', `/dojos/${encodeURIComponent(dojoId)}/runs/${encodeURIComponent(runId)}`, runDetailSchema);
  /** Runs the dojo's tests on its code as it is now, with the dojo's rule for who may (202, queued). */
  startRun = (dojoId: string) => this.api.request('POST', `/dojos/${encodeURIComponent(dojoId)}/runs`, dojoRunSchema);
  languages = () => this.api.request('GET', '/runs/languages', languageListSchema);
  kata = (languageId: string) =>
    this.api.request('GET', `/runs/languages/${encodeURIComponent(languageId)}/kata`, kataSchema);
}
