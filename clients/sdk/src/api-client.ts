/**
 * The REST API (`/api/v1`, issue 5's contract) as typed calls. Every response is validated with zod
 * before it reaches the caller, and every failure comes back as a value with a code
 * (`invalid`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `rate_limited`, `unavailable`)
 * decoded from the server's RFC 9457 problem+json, never as a thrown exception.
 *
 * A client holds one session (access + refresh token). When a call answers 401 it refreshes once and
 * retries, so a 15-minute access token is invisible to the user. Clients that share one stored session
 * (a browser's tabs) pass a `SharedSession`: they then refresh one at a time and adopt each other's
 * rotations, because presenting a refresh token another client already spent revokes the whole login.
 */
import {
  loginResultSchema,
  sessionSchema as issuedSessionSchema,
  signInMethodsSchema,
  signupResultSchema,
  type RefreshRefusalReason,
  type TeamChoice,
  type User,
  userSchema,
} from '@pocdojo/shared/contract/auth';
import {
  dojoDocumentsSchema,
  dojoFormats,
  joinResultSchema,
  turnFilesSchema,
  turnListSchema,
} from '@pocdojo/shared/contract/dojos';
import { auditPageSchema, type AuditAction } from '@pocdojo/shared/contract/audit';
import { erasureResultSchema, type EraseBody } from '@pocdojo/shared/contract/personal-data';
import { pocReportSchema } from '@pocdojo/shared/contract/reports';
import {
  ssoRedirectUriSchema,
  ssoSettingsSchema,
  ssoStartResultSchema,
  type SsoSettingsBody,
  type SsoStartBody,
} from '@pocdojo/shared/contract/sso';
import { queuedVideoSchema, videoDownloadSchema, videoSchema, videoShareSchema } from '@pocdojo/shared/contract/videos';
import { z } from 'zod';

export const apiErrorCodeSchema = z.enum([
  'invalid',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'rate_limited',
  'unavailable',
]);
export type ApiErrorCode = z.infer<typeof apiErrorCodeSchema>;

export interface ApiError {
  code: ApiErrorCode;
  status: number;
  message: string;
  /** Field-level messages of a validation failure, keyed by the field's path. */
  fields: Record<string, string>;
  /** A finer reason than `code` where the API gives one (`refreshRefusalReasons`). */
  reason?: string;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/**
 * The session a client keeps: what the API issues minus `expiresIn`, which is relative to the moment
 * of issue and so means nothing once stored (the client learns of an expiry from a 401).
 */
export const sessionSchema = issuedSessionSchema.omit({ expiresIn: true });
export type Session = z.infer<typeof sessionSchema>;

// Defined once, in the API's response contract (shared/src/contract/), which the server serializes with.
export type { SignInMethod, TeamChoice, Tenant, User } from '@pocdojo/shared/contract/auth';
export type { SsoSettings, SsoSettingsBody } from '@pocdojo/shared/contract/sso';

/** What a login comes to: a session, or the teams (name and slug) the password opens, to choose from. */
export type LoginOutcome = { kind: 'signedIn'; session: Session } | { kind: 'chooseTeam'; teams: TeamChoice[] };

/** Why a client's session changed, for whoever persists it or tells the person. */
export type SessionChange =
  | 'signedIn'
  | 'refreshed'
  | 'signedOut'
  /** The API refused to refresh (expired, revoked, or a spent token came back): the person must sign in. */
  | 'ended'
  /** The API refused to refresh because the person was erased from the team: signing in will not help. */
  | 'erased'
  /** Another client sharing the session changed it (rotated, signed in or out); nothing to persist. */
  | 'adopted';

/**
 * One session shared by several clients through a common store, e.g. a browser's tabs through
 * IndexedDB. A refresh token can be spent once: the clients must refresh one at a time, and each
 * must first look whether another one already did. So the store must be consistent: a read sees
 * every write that finished before it (a browser's localStorage is not — another tab's renderer may
 * still hold the old value for a while after the write).
 */
export interface SharedSession {
  /** The session as the common store holds it now (another client may have changed it). */
  read(): Promise<Session | undefined>;
  /**
   * Stores this client's change (undefined: signed out); resolves once every client's `read` sees
   * it, and never rejects. A refresh keeps `exclusive` until then, so the next client reads the rotation.
   */
  write(session: Session | undefined): Promise<void>;
  /** Runs `work` while no other client of the store runs one (e.g. the Web Locks API across tabs). */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

export const pocStatusSchema = z.enum(['idea', 'active', 'done', 'abandoned']);
export type PocStatus = z.infer<typeof pocStatusSchema>;

const optionalText = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);

export const pocSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: optionalText,
  language: z.string(),
  tags: z.array(z.string()).default([]),
  repoUrl: optionalText,
  status: pocStatusSchema.default('idea'),
  ownerId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Poc = z.infer<typeof pocSchema>;

export interface PocInput {
  name: string;
  description?: string;
  language: string;
  tags?: string[];
  repoUrl?: string;
  status?: PocStatus;
}

/** A PATCH takes any subset; `null` clears the description or the repository URL. */
export type PocPatch = Partial<Omit<PocInput, 'description' | 'repoUrl'>> & {
  description?: string | null;
  repoUrl?: string | null;
};

const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullish() });

export const searchHitSchema = z.object({
  id: z.string(),
  name: z.string(),
  language: z.string(),
  tags: z.array(z.string()).default([]),
  score: z.number(),
  highlights: z.unknown().optional(),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const searchResultSchema = z.object({
  items: z.array(searchHitSchema),
  facets: z.object({
    languages: z.record(z.string(), z.number()).default({}),
    tags: z.record(z.string(), z.number()).default({}),
  }),
  tookMs: z.number().optional(),
});
export type SearchResult = z.infer<typeof searchResultSchema>;

export const dojoFormatSchema = z.enum(dojoFormats);
export type DojoFormat = z.infer<typeof dojoFormatSchema>;

export const dojoSchema = z.object({
  id: z.string(),
  title: z.string().optional(),
  pocId: z.string().nullish(),
  format: dojoFormatSchema.optional(),
  language: z.string().optional(),
  turnMinutes: z.number().nullish(),
  documents: dojoDocumentsSchema,
  createdAt: z.string().optional(),
});
export type Dojo = z.infer<typeof dojoSchema>;

// Defined once, in the API's response contract (shared/src/contract/), which the server serializes with.
export type { DojoJoin, TurnFiles, TurnSnapshot } from '@pocdojo/shared/contract/dojos';
export type { PocReport } from '@pocdojo/shared/contract/reports';
export type { Video } from '@pocdojo/shared/contract/videos';
export type { AuditAction, AuditEntry, AuditPage } from '@pocdojo/shared/contract/audit';
export type { EraseBody, ErasureResult } from '@pocdojo/shared/contract/personal-data';

const problemSchema = z.object({
  title: z.string().optional(),
  detail: z.string().optional(),
  code: z.string().optional(),
  errors: z
    .array(
      z.object({
        path: z.union([z.string(), z.array(z.union([z.string(), z.number()]))]).optional(),
        field: z.string().optional(),
        message: z.string(),
      }),
    )
    .optional(),
  reason: z.string().optional(),
});

function codeForStatus(status: number): ApiErrorCode {
  if (status === 400 || status === 422) return 'invalid';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status === 429) return 'rate_limited';
  return 'unavailable';
}

async function readProblem(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => ({}));
  const problem = problemSchema.safeParse(body);
  const fields: Record<string, string> = {};
  for (const entry of problem.success ? (problem.data.errors ?? []) : []) {
    const path = entry.field ?? (Array.isArray(entry.path) ? entry.path.join('.') : (entry.path ?? ''));
    fields[path.replace(/^\/?(body|query)[./]?/, '').replace(/\//g, '.')] = entry.message;
  }
  const declared = apiErrorCodeSchema.safeParse(problem.success ? problem.data.code : undefined);
  return {
    code: declared.success ? declared.data : codeForStatus(response.status),
    status: response.status,
    message:
      (problem.success && (problem.data.detail ?? problem.data.title)) ||
      response.statusText ||
      `HTTP ${response.status}`,
    fields,
    ...(problem.success && problem.data.reason !== undefined ? { reason: problem.data.reason } : {}),
  };
}

export interface ApiClientOptions {
  /** Origin of the API, e.g. `http://127.0.0.1:8080`; empty for the page's own origin. */
  baseUrl?: string;
  session?: Session;
  /** Called whenever the session changes (sign in, refresh, sign out…), e.g. to persist it. */
  onSession?: (session: Session | undefined, change: SessionChange) => void;
  /** The store and lock of a session shared with other clients; without it the session is this client's own. */
  shared?: SharedSession;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | undefined>;

export type AuditQuery = {
  person?: string;
  action?: AuditAction;
  /** ISO 8601 times: `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
};

export class ApiClient {
  session: Session | undefined;
  private readonly baseUrl: string;
  private readonly onSession: (session: Session | undefined, change: SessionChange) => void;
  private readonly shared: SharedSession;
  private readonly fetchImpl: typeof fetch;
  private refreshing: Promise<boolean> | undefined;
  /** Why the API refused this client's last refresh, while no session has come since. */
  private endedBecause: RefreshRefusalReason | undefined;
  /** This client's last write to the shared store. */
  private written: Promise<void> = Promise.resolve();

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/$/, '');
    this.session = options.session;
    this.onSession = options.onSession ?? (() => undefined);
    this.shared = options.shared ?? {
      read: () => Promise.resolve(this.session),
      write: () => Promise.resolve(),
      exclusive: (work) => work(),
    };
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Creates a team whose first member is the caller; `slugSuffixed` says its name's slug was taken. */
  async signup(input: {
    tenantName: string;
    email: string;
    password: string;
    displayName?: string;
  }): Promise<ApiResult<{ session: Session; slugSuffixed: boolean }>> {
    const result = await this.request('POST', '/auth/signup', signupResultSchema, { body: input, anonymous: true });
    if (!result.ok) return result;
    const session = sessionSchema.parse(result.value);
    this.setSession(session, 'signedIn');
    return { ok: true, value: { session, slugSuffixed: result.value.slugSuffixed } };
  }

  /**
   * The first step of signing in: how this address signs in (a password, and the company sign-in of
   * the team that verified its domain); the answer does not depend on whether the address has an account.
   */
  signInMethods = (email: string) =>
    this.request('POST', '/auth/sign-in-methods', signInMethodsSchema, { body: { email }, anonymous: true });

  /**
   * Signs in by email and password. Without `tenant` the API tries every team of the address: a session
   * when the password opens one, the teams to choose from when it opens several (call again with the
   * chosen team's slug as `tenant`). Scripts that know the slug pass it from the start.
   */
  async login(input: { email: string; password: string; tenant?: string }): Promise<ApiResult<LoginOutcome>> {
    const result = await this.request('POST', '/auth/login', loginResultSchema, { body: input, anonymous: true });
    if (!result.ok) return result;
    if ('teams' in result.value) return { ok: true, value: { kind: 'chooseTeam', teams: result.value.teams } };
    const session = sessionSchema.parse(result.value);
    this.setSession(session, 'signedIn');
    return { ok: true, value: { kind: 'signedIn', session } };
  }

  /**
   * Starts a company sign-in (single sign-on): the provider's URL to open in the browser. The caller
   * keeps the PKCE verifier of `codeChallenge` and its `state` for `redeemCompanySignIn`
   * (see `@pocdojo/shared/contract/sso` for the whole flow).
   */
  startCompanySignIn = (input: SsoStartBody) =>
    this.request('POST', '/auth/sso/start', ssoStartResultSchema, { body: input, anonymous: true });

  /** Redeems the one-time code a finished company sign-in sent back, with the client's PKCE verifier. */
  async redeemCompanySignIn(input: { code: string; codeVerifier: string }): Promise<ApiResult<Session>> {
    const result = await this.request('POST', '/auth/sso/token', sessionSchema, { body: input, anonymous: true });
    if (result.ok) this.setSession(result.value, 'signedIn');
    return result;
  }

  /** The team's company sign-in settings (admins); `not_found` when none is set up. */
  getCompanySignIn = () => this.request('GET', '/tenant/sso', ssoSettingsSchema);
  getCompanySignInRedirectUri = () => this.request('GET', '/tenant/sso/redirect-uri', ssoRedirectUriSchema);
  saveCompanySignIn = (input: SsoSettingsBody) =>
    this.request('PUT', '/tenant/sso', ssoSettingsSchema, { body: input });
  removeCompanySignIn = () => this.request('DELETE', '/tenant/sso', z.unknown());

  async logout(): Promise<void> {
    const refreshToken = this.session?.refreshToken;
    this.setSession(undefined, 'signedOut');
    if (refreshToken)
      await this.request('POST', '/auth/logout', z.unknown(), { body: { refreshToken }, anonymous: true });
    // Signed out once the store says so: a refresh another client has on its way then sees it.
    await this.written;
  }

  /** Takes a session another client sharing the store set (or its absence after a sign-out there). */
  adopt(session: Session | undefined): void {
    this.setSession(session, 'adopted');
  }

  listUsers = () =>
    this.request(
      'GET',
      '/users',
      z.object({ items: z.array(userSchema) }).transform((page) => page.items),
    );
  createUser = (input: { email: string; displayName: string; roles: User['roles']; password: string }) =>
    this.request('POST', '/users', userSchema, { body: input });
  /** Sets a member's roles (admins); the tokens they hold are revoked, so their sessions pick the new ones up. */
  changeRoles = (id: string, roles: User['roles']) =>
    this.request('PATCH', `/users/${encodeURIComponent(id)}/roles`, userSchema, { body: { roles } });

  createPoc = (input: PocInput) => this.request('POST', '/pocs', pocSchema, { body: input });
  getPoc = (id: string) => this.request('GET', `/pocs/${encodeURIComponent(id)}`, pocSchema);
  updatePoc = (id: string, input: PocPatch) =>
    this.request('PATCH', `/pocs/${encodeURIComponent(id)}`, pocSchema, { body: input });
  deletePoc = (id: string) => this.request('DELETE', `/pocs/${encodeURIComponent(id)}`, z.unknown());
  listPocs = (
    query: {
      owner?: string;
      language?: string;
      tag?: string;
      status?: PocStatus;
      year?: number;
      cursor?: string;
      limit?: number;
    } = {},
  ) => this.request('GET', '/pocs', pageSchema(pocSchema), { query });
  searchPocs = (query: { q?: string; language?: string; tags?: string[]; limit?: number }) =>
    this.request('GET', '/search/pocs', searchResultSchema, {
      query: {
        q: query.q ?? '',
        language: query.language,
        tags: query.tags?.length ? query.tags.join(',') : undefined,
        limit: query.limit,
      },
    });

  createDojo = (input: { title: string; pocId?: string; format: DojoFormat; language: string; turnMinutes?: number }) =>
    this.request('POST', '/dojos', dojoSchema, { body: input });
  listDojos = (query: { cursor?: string; limit?: number } = {}) =>
    this.request('GET', '/dojos', pageSchema(dojoSchema), { query });
  getDojo = (id: string) => this.request('GET', `/dojos/${encodeURIComponent(id)}`, dojoSchema);
  /** A join token for the dojo; `as: 'observer'` joins read-only whatever the caller's role in it. */
  joinDojo = (id: string, options: { as?: 'observer' } = {}) =>
    this.request('POST', `/dojos/${encodeURIComponent(id)}/join`, joinResultSchema, { body: options });
  dojoHistory = (id: string) => this.request('GET', `/dojos/${encodeURIComponent(id)}/history`, turnListSchema);
  /** The final files and a summary.json, as a .tar.gz. */
  dojoExport = (id: string) => this.download(`/dojos/${encodeURIComponent(id)}/export`, {});
  dojoTurn = (id: string, turn: number) =>
    this.request('GET', `/dojos/${encodeURIComponent(id)}/history/${turn}`, turnFilesSchema);

  pocReport = (query: { year: number; userId?: string }) =>
    this.request('GET', '/reports/pocs', pocReportSchema, { query });
  /** The CSV or PDF rendering of a report, as a file to save (it needs the bearer token, so no plain link). */
  pocReportFile = (query: { year: number; userId?: string; format: 'csv' | 'pdf' }) =>
    this.download('/reports/pocs', query);

  /** Starts rendering someone's yearly video (202) or returns the existing one for that year (200). */
  requestVideo = (input: { year: number; userId?: string; force?: boolean }) =>
    this.request('POST', '/videos', queuedVideoSchema, { body: input });
  getVideo = (id: string) => this.request('GET', `/videos/${encodeURIComponent(id)}`, videoSchema);
  videoDownload = (id: string) =>
    this.request('GET', `/videos/${encodeURIComponent(id)}/download`, videoDownloadSchema);
  shareVideo = (id: string) => this.request('POST', `/videos/${encodeURIComponent(id)}/share`, videoShareSchema);
  unshareVideo = (id: string) => this.request('DELETE', `/videos/${encodeURIComponent(id)}/share`, z.unknown());

  /** The team's audit trail, newest first, one page per cursor (admins). */
  listAudit = (query: AuditQuery = {}) => this.request('GET', '/audit', auditPageSchema, { query });
  /** Every entry matching the filters as CSV (admins). */
  auditCsv = (query: Omit<AuditQuery, 'cursor' | 'limit'> = {}) => this.download('/audit', { ...query, format: 'csv' });
  /** Everything the product holds about the caller, as one zip. */
  exportMyData = () => this.download('/me/export', {});
  /** Erases a person (admins): their POCs go to `toUserId` or are deleted. */
  erasePerson = (id: string, choice: EraseBody) =>
    this.request('POST', `/people/${encodeURIComponent(id)}/erase`, erasureResultSchema, { body: choice });

  /** A binary response (CSV, PDF) as a Blob, with the same session handling as `request`. */
  async download(path: string, query: Query): Promise<ApiResult<Blob>> {
    const used = this.session?.accessToken;
    let response = await this.send('GET', path, { query });
    if (response.status === 401 && (await this.refresh(used))) response = await this.send('GET', path, { query });
    if (response.status === 0)
      return {
        ok: false,
        error: { code: 'unavailable', status: 0, message: 'the server cannot be reached', fields: {} },
      };
    if (!response.ok) return { ok: false, error: this.withEndReason(await readProblem(response)) };
    return { ok: true, value: await response.blob() };
  }

  /** Calls an endpoint; public so that new endpoints are usable before they get a named method. */
  async request<T extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    schema: T,
    options: { body?: unknown; query?: Query; anonymous?: boolean } = {},
  ): Promise<ApiResult<z.output<T>>> {
    const used = this.session?.accessToken;
    let response = await this.send(method, path, options);
    if (response.status === 401 && !options.anonymous && (await this.refresh(used)))
      response = await this.send(method, path, options);
    if (response.status === 0)
      return {
        ok: false,
        error: { code: 'unavailable', status: 0, message: 'the server cannot be reached', fields: {} },
      };
    if (!response.ok) return { ok: false, error: this.withEndReason(await readProblem(response)) };
    const body: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'unavailable',
          status: response.status,
          message: `unexpected response from ${path}: ${parsed.error.message}`,
          fields: {},
        },
      };
    }
    return { ok: true, value: parsed.data };
  }

  private async send(
    method: string,
    path: string,
    options: { body?: unknown; query?: Query; anonymous?: boolean },
  ): Promise<Response> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(options.query ?? {}))
      if (value !== undefined && value !== '') search.set(key, String(value));
    const url = `${this.baseUrl}/api/v1${path}${search.size ? `?${search}` : ''}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (!options.anonymous && this.session) headers.authorization = `Bearer ${this.session.accessToken}`;
    try {
      return await this.fetchImpl(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    } catch {
      // A network failure reads as a response with status 0, which `request` maps to `unavailable`.
      return Response.error();
    }
  }

  /**
   * Gets a live access token after `rejected` was refused; true when the call is worth retrying.
   * One refresh at a time, in this client (concurrent 401s wait for the same rotation) and across the
   * clients sharing the session (inside `exclusive`, after reading what the others left).
   */
  private refresh(rejected: string | undefined): Promise<boolean> {
    // A rotation finished while the call was on its way: the new token may simply be used.
    if (this.session && this.session.accessToken !== rejected) return Promise.resolve(true);
    this.refreshing ??= this.shared
      .exclusive(async () => {
        const stored = await this.shared.read();
        if (stored?.accessToken !== rejected) {
          // Another client rotated the session (or signed out) while this one waited: its result is ours.
          if (stored?.accessToken !== this.session?.accessToken) this.setSession(stored, 'adopted');
          return stored !== undefined;
        }
        if (!stored) return false;
        const result = await this.request('POST', '/auth/refresh', sessionSchema, {
          body: { refreshToken: stored.refreshToken },
          anonymous: true,
        });
        // Signing in or out does not wait for the lock: what happened meanwhile wins over this refresh,
        // so a sign-out is never undone by a rotation that was already on its way.
        const now = await this.shared.read();
        if (now?.refreshToken !== stored.refreshToken) {
          if (now?.accessToken !== this.session?.accessToken) this.setSession(now, 'adopted');
          return now !== undefined;
        }
        if (result.ok) {
          this.setSession(result.value, 'refreshed');
          await this.written;
          return true;
        }
        // Only a refused token ends the session; an unreachable or throttled API may answer next time.
        if (result.error.code === 'unauthorized') {
          const erased = result.error.reason === ('account_erased' satisfies RefreshRefusalReason);
          this.endedBecause = erased ? 'account_erased' : undefined;
          this.setSession(undefined, erased ? 'erased' : 'ended');
          await this.written;
        }
        return false;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /**
   * A call refused for want of a session, once the API said why it ended the session, says so too: the
   * caller shows it where the call failed (an erased person cannot mend it by signing in again).
   */
  private withEndReason(error: ApiError): ApiError {
    if (error.code !== 'unauthorized' || error.reason !== undefined || this.endedBecause === undefined) return error;
    return { ...error, reason: this.endedBecause };
  }

  private setSession(session: Session | undefined, change: SessionChange): void {
    this.session = session;
    if (session) this.endedBecause = undefined;
    if (change !== 'adopted') this.written = this.shared.write(session);
    this.onSession(session, change);
  }
}
