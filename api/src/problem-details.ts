import { DomainError, type ErrorCode, type Logger } from '@pocdojo/shared';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';

/**
 * Every error leaves the API as RFC 9457 `application/problem+json`: `type` names the error code the
 * client can act on, `errors` lists field-level problems for validation failures.
 */
export const problemContentType = 'application/problem+json';

const statusOf: Record<ErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
};

const titleOf: Record<ErrorCode, string> = {
  invalid: 'Invalid request',
  unauthorized: 'Authentication required',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  conflict: 'Conflict',
  rate_limited: 'Too many requests',
  unavailable: 'Service unavailable',
};

export const fieldProblemSchema = z.object({
  /** `body`, `querystring`, `params` or `headers`. */
  location: z.string(),
  /** Dotted path inside that location, e.g. `tags.3`; empty for the whole object. */
  field: z.string(),
  message: z.string(),
});
export type FieldProblem = z.infer<typeof fieldProblemSchema>;
const fieldProblemsSchema = z.array(fieldProblemSchema);

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string(),
  code: z.string(),
  errors: z.array(fieldProblemSchema).optional(),
  /** A finer reason than `code` where a client acts on it (an extension member, RFC 9457 §3.2). */
  reason: z.string().optional(),
});
export type Problem = z.infer<typeof problemSchema>;

const typeOf = (code: string) => `urn:pocdojo:problem:${code}`;

interface ProblemResponse {
  description: string;
  content: { 'application/problem+json': { schema: typeof problemSchema } };
}

/** Route-schema entries that document problem responses with their real content type. */
export function problemResponses<const S extends number>(...statuses: S[]): Record<S, ProblemResponse> {
  const response: ProblemResponse = {
    description: 'Problem details (RFC 9457)',
    content: { 'application/problem+json': { schema: problemSchema } },
  };
  return Object.fromEntries(statuses.map((status) => [status, response])) as Record<S, ProblemResponse>;
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  code: ErrorCode | 'internal',
  detail: string,
  extra: { errors?: FieldProblem[]; retryAfterSeconds?: number; status?: number; reason?: string } = {},
): FastifyReply {
  const status = extra.status ?? (code === 'internal' ? 500 : statusOf[code]);
  const problem: Problem = {
    type: typeOf(code),
    title: code === 'internal' ? 'Internal error' : titleOf[code],
    status,
    detail,
    instance: request.url.split('?')[0] ?? request.url,
    code,
    ...(extra.errors ? { errors: extra.errors } : {}),
    ...(extra.reason ? { reason: extra.reason } : {}),
  };
  if (extra.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.max(1, extra.retryAfterSeconds)));
  return reply.code(status).type(problemContentType).serializer(JSON.stringify).send(problem);
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params?: { keys?: unknown };
}

function fieldProblems(location: string, issues: ValidationIssue[]): FieldProblem[] {
  return issues.flatMap((issue) => {
    const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const keys = Array.isArray(issue.params?.keys) ? issue.params.keys.map(String) : [];
    // Unknown fields are reported on the object; naming each field is what the client needs.
    if (keys.length > 0) {
      return keys.map((key) => ({ location, field: path ? `${path}.${key}` : key, message: 'unknown field' }));
    }
    return [{ location, field: path, message: issue.message ?? 'invalid' }];
  });
}

const fastifyClientErrors: Record<number, ErrorCode> = {
  400: 'invalid',
  404: 'not_found',
  413: 'invalid',
  415: 'invalid',
};

export function installProblemHandlers(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const location = error.validationContext ?? 'body';
      return sendProblem(request, reply, 'invalid', `the request ${location} is invalid`, {
        errors: fieldProblems(location, error.validation),
      });
    }
    if (error instanceof DomainError) {
      const retry = error.details?.retryAfterSeconds;
      const reason = error.details?.reason;
      const errors = fieldProblemsSchema.safeParse(error.details?.errors);
      return sendProblem(request, reply, error.code, error.message, {
        retryAfterSeconds: typeof retry === 'number' ? retry : undefined,
        errors: errors.success ? errors.data : undefined,
        reason: typeof reason === 'string' ? reason : undefined,
      });
    }
    const status = error.statusCode ?? 500;
    if (status === 413) return sendProblem(request, reply, 'invalid', 'the request body is too large', { status });
    if (status === 429) return sendProblem(request, reply, 'rate_limited', error.message);
    const known = fastifyClientErrors[status];
    // Keeps Fastify's precise status (413, 415) while the code says what the client can do about it.
    if (known) return sendProblem(request, reply, known, error.message, { status });
    logger.error({ err: error, url: request.url, method: request.method }, 'request failed');
    return sendProblem(request, reply, 'internal', 'the server could not complete the request');
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
}
