/**
 * Errors are values with a code the client can act on. Each boundary maps them once:
 * HTTP → problem+json status, WebSocket → close code, dojo command → reply.
 */
export const errorCodes = [
  'forbidden',
  'invalid',
  'rate_limited',
  'not_found',
  'unavailable',
  'unauthorized',
  'conflict',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const isDomainError = (error: unknown): error is DomainError => error instanceof DomainError;
