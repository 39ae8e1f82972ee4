import { DomainError } from '@pocdojo/shared';
import { mayRun, readControlState, type ControlState } from '@pocdojo/shared/contract/dojo-documents';
import { effectiveRole, type DojoRole } from '@pocdojo/shared/contract/dojo-roles';
import {
  dojoRunSchema,
  kataSchema,
  languageIdSchema,
  languageListSchema,
  runDetailSchema,
  runListSchema,
} from '@pocdojo/shared/contract/runs';
import { RunQueue } from '@pocdojo/shared/runs/run-queue';
import { requestCodeRun } from '@pocdojo/shared/runs/run-request';
import { liveLanguages } from '@pocdojo/shared/runs/runner-availability';
import { loadKata, startPoints } from '@pocdojo/runner';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { authenticate, principalOf } from '../auth/principal.ts';
import { withCurrentDocument } from '../dojo-history/current-code.ts';
import { dojoRoleFor, getDojo } from '../dojos/dojos.ts';
import { problemResponses } from '../problem-details.ts';
import { withTenant } from '../tenancy/tenant-transaction.ts';
import { findUserById } from '../users/users.ts';
import { findRun, getRun, listRuns } from './runs.ts';

const problems = problemResponses(400, 401, 403, 404);
const security = [{ bearer: [] }];

const dojoParams = z.strictObject({ id: z.string().min(1).max(64) });
const runParams = dojoParams.extend({ runId: z.string().min(1).max(64) });
const languageParams = z.strictObject({ id: z.string().min(1).max(64) });
const runListQuery = z.strictObject({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

const testFrameworks = Object.fromEntries(startPoints.map((point) => [point.id, point.testFramework]));

/** Why `mayRun` said no, in the words of the dojo's `run` command. */
function refusal(state: ControlState, role: DojoRole): string {
  if (role === 'observer') return 'observers cannot run the tests';
  if (state.phase === 'ended') return 'the dojo has ended, so its tests cannot be run';
  return 'only the driver and facilitators may run the tests; ask the facilitator to allow everyone';
}

/**
 * Test runs over REST: a dojo's runs and one run in full (for reviews and native clients; the room's
 * `control` document keeps only the latest), starting a run with the dojo's own rule, and the
 * languages with their starter katas. Runs are read under row-level security; starting one reads the
 * dojo's documents from the update log (the collaboration tier's, read as the owner once the dojo was
 * found under the tenant) and queues through the run queue, which writes with explicit tenant filters.
 */
export const runRoutes: ApiPlugin = async (app, { context }) => {
  const { database, identity, config } = context;
  const db = database.db;
  // Requests and reads only: admission (the per-tenant limit) is the runners' work.
  const queue = new RunQueue(db, 1);
  const settings = {
    submittedBytes: config.RUNNER_SUBMITTED_KIB * 1024,
    runnerStaleSeconds: config.RUNNER_STALE_SECONDS,
  };
  app.addHook('onRequest', authenticate(identity.verifier));

  app.get(
    '/dojos/:id/runs',
    {
      schema: {
        tags: ['runs'],
        summary: "A dojo's test runs, newest first",
        security,
        params: dojoParams,
        querystring: runListQuery,
        response: { 200: runListSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return withTenant(db, principal.tenantId, async (trx) => {
        const dojo = await getDojo(trx, principal.tenantId, request.params.id);
        return listRuns(trx, queue, { tenantId: principal.tenantId, dojoId: dojo.id }, request.query);
      });
    },
  );

  app.get(
    '/dojos/:id/runs/:runId',
    {
      schema: {
        tags: ['runs'],
        summary: 'One test run in full: its output, failing tests, the files it ran and the run before it',
        security,
        params: runParams,
        response: { 200: runDetailSchema, ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      return withTenant(db, principal.tenantId, async (trx) => {
        const dojo = await getDojo(trx, principal.tenantId, request.params.id);
        return getRun(trx, queue, { tenantId: principal.tenantId, dojoId: dojo.id }, request.params.runId);
      });
    },
  );

  app.post(
    '/dojos/:id/runs',
    {
      schema: {
        tags: ['runs'],
        summary: "Run the dojo's tests on its code as it is now",
        description:
          'The same rule as the dojo’s run command: facilitators, the driver (anyone while nobody drives) or everyone when a facilitator allowed it; never observers, and not once the dojo has ended. A run still queued for the dojo is replaced. 503 when no runner runs the dojo’s language now.',
        security,
        params: dojoParams,
        response: { 202: dojoRunSchema, ...problemResponses(400, 401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { dojo, role, name } = await withTenant(db, principal.tenantId, async (trx) => {
        const dojo = await getDojo(trx, principal.tenantId, request.params.id);
        const user = await findUserById(trx, principal.tenantId, principal.userId);
        return { dojo, role: dojoRoleFor(dojo, principal, false), name: user?.displayName ?? '' };
      });
      const state = await withCurrentDocument(db, dojo.documents.control, readControlState);
      if (state.removed.includes(principal.userId))
        throw new DomainError('forbidden', 'you were removed from this dojo');
      // A facilitator's grant in the room counts as it does for the run command.
      const acting = effectiveRole(state, principal.userId, { role, observing: false });
      if (!mayRun(state, principal.userId, acting)) throw new DomainError('forbidden', refusal(state, acting));
      const key = { tenantId: principal.tenantId, dojoId: dojo.id };
      const id = await withCurrentDocument(db, dojo.documents.code, (code) =>
        requestCodeRun(db, queue, settings, {
          ...key,
          dojoLanguage: dojo.language,
          code,
          turn: state.turn,
          requestedBy: principal.userId,
          requestedByName: name,
          auto: false,
        }),
      );
      const run = await withTenant(db, principal.tenantId, (trx) => findRun(trx, queue, key, id));
      return reply.status(202).send(run);
    },
  );

  app.get(
    '/runs/languages',
    {
      schema: {
        tags: ['runs'],
        summary: 'Every language a dojo can run tests in, each available now or not with the reason',
        security,
        response: { 200: languageListSchema, ...problemResponses(401) },
      },
    },
    async () => ({ items: await liveLanguages(db, config.RUNNER_STALE_SECONDS, testFrameworks) }),
  );

  app.get(
    '/runs/languages/:id/kata',
    {
      schema: {
        tags: ['runs'],
        summary: "A language's starter kata: the files a new dojo starts from",
        security,
        params: languageParams,
        response: { 200: kataSchema, ...problemResponses(401, 404) },
      },
    },
    async (request) => {
      const language = languageIdSchema.safeParse(request.params.id);
      const point = language.success ? startPoints.find((candidate) => candidate.id === language.data) : undefined;
      if (!point) throw new DomainError('not_found', 'there is no such language');
      return { language: point.id, files: await loadKata(point) };
    },
  );
};
