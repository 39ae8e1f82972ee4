import { DomainError, nulMessage, nulPaths } from '@pocdojo/shared';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FieldProblem } from './problem-details.ts';

type Location = 'params' | 'querystring' | 'headers' | 'body';

const inputOf = (request: FastifyRequest, location: Location): unknown =>
  location === 'querystring' ? request.query : request[location];

function refuseNul(request: FastifyRequest, locations: Location[]): void {
  const problems: FieldProblem[] = locations.flatMap((location) =>
    nulPaths(inputOf(request, location)).map((field) => ({ location, field, message: nulMessage })),
  );
  if (problems.length === 0) return;
  const named = problems.map(({ location, field }) => (field ? `${location} field "${field}"` : `the ${location}`));
  throw new DomainError('invalid', `text ${nulMessage}: ${named.join(', ')}`, { errors: problems });
}

/**
 * Refuses U+0000 in every string a request carries, on every route (Postgres text cannot hold it, so it
 * would otherwise fail a query deep inside a handler as a 500). Path parameters, the query string and
 * headers are checked on arrival, before authentication reads the Authorization header; the body once
 * it is parsed, before the route's schema sees it. Must be installed before the routes are registered.
 */
export function refuseNulCharacters(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => refuseNul(request, ['params', 'querystring', 'headers']));
  app.addHook('preValidation', async (request) => refuseNul(request, ['body']));
}
