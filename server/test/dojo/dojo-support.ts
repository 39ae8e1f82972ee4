import WebSocket from 'ws';
import * as Y from 'yjs';
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from '@pocdojo/shared';
import { ApiClient, type DojoJoin } from '@pocdojo/sdk/api-client';
import { DojoConnection } from '@pocdojo/sdk/dojo-connection';
import {
  codeFiles,
  readChatMessages,
  readControlState,
  type ControlState,
} from '@pocdojo/shared/contract/dojo-documents';
import type { DojoEvent } from '@pocdojo/shared/contract/dojo-protocol';
import type { ServerProcess } from '../support/server-process.ts';

export type DojoRole = 'facilitator' | 'participant' | 'observer';

/** A person in a dojo: the SDK's real connection (one socket, three providers) plus what they received. */
export class Member {
  readonly events: DojoEvent[] = [];
  readonly denied: string[] = [];

  constructor(
    readonly userId: string,
    readonly connection: DojoConnection,
  ) {
    connection.on('event', (event) => this.events.push(event));
    connection.on('denied', (_part, reason) => this.denied.push(reason));
  }

  get control(): ControlState {
    return readControlState(this.connection.docs.control);
  }

  get chat() {
    return readChatMessages(this.connection.docs.chat);
  }

  file(path: string): Y.Text | undefined {
    return codeFiles(this.connection.docs.code).get(path);
  }

  text(path: string): string {
    return this.file(path)?.toString() ?? '';
  }

  /** Appends to a file, creating it (as a Y.Text in `files`) when missing. */
  type(path: string, text: string): void {
    const files = codeFiles(this.connection.docs.code);
    const file = files.get(path);
    if (file) file.insert(file.length, text);
    else files.set(path, new Y.Text(text));
  }

  eventsNamed<N extends DojoEvent['name']>(name: N): Array<Extract<DojoEvent, { name: N }>> {
    return this.events.filter((event): event is Extract<DojoEvent, { name: N }> => event.name === name);
  }

  leave(): void {
    this.connection.destroy();
  }
}

export function dojoDocuments(tenantId: string, dojoId: string) {
  return {
    code: `${tenantId}/dojo/${dojoId}/code`,
    chat: `${tenantId}/dojo/${dojoId}/chat`,
    control: `${tenantId}/dojo/${dojoId}/control`,
  };
}

/** Joins with a join token like the API's `POST /dojos/:id/join` issues: one dojo, one dojo role. */
export async function join(
  server: ServerProcess,
  person: { tenantId: string; dojoId: string; userId: string; name: string; role: DojoRole },
): Promise<Member> {
  const token = await server.token({
    sub: person.userId,
    tid: person.tenantId,
    roles: [person.role],
    dojo: person.dojoId,
    name: person.name,
  });
  const connection = new DojoConnection({
    url: server.wsUrl,
    documents: dojoDocuments(person.tenantId, person.dojoId),
    token,
    self: { userId: person.userId, name: person.name, role: person.role },
    WebSocketPolyfill: WebSocket,
    commandTimeoutMs: 10_000,
  });
  return new Member(person.userId, connection);
}

/** A new team on the server's real API, signed up by Fay (who administers and facilitates it). */
export async function signUpFay(server: ServerProcess, tenantName: string): Promise<ApiClient> {
  const fay = new ApiClient({ baseUrl: server.httpUrl });
  const signedUp = await fay.signup({
    tenantName,
    email: `fay@${tenantName.toLowerCase().replace(/\W+/g, '-')}.test`,
    password: 'correct horse battery',
    displayName: 'Fay',
  });
  if (!signedUp.ok) throw new Error(signedUp.error.message);
  return fay;
}

/** Connects with what the API's join answered, over the SDK's real connection, once synced. */
export async function connectJoined(
  server: ServerProcess,
  joined: DojoJoin,
  self: { userId: string; name: string },
): Promise<Member> {
  const connection = new DojoConnection({
    url: `ws://127.0.0.1:${server.port}${joined.url}`,
    documents: joined.documents,
    token: joined.token,
    self: { ...self, role: joined.role },
    WebSocketPolyfill: WebSocket,
  });
  const member = new Member(self.userId, connection);
  await connection.whenSynced();
  return member;
}

/** Reads the dojo's rows straight from the test database, as the API would. */
export async function turnRows(databaseUrl: string, dojoId: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      turn: number;
      driver_id: string | null;
      reason: string;
      node_id: string;
      files: Record<string, { text: string }>;
    }>('SELECT turn, driver_id, reason, node_id, files FROM dojo_turns WHERE dojo_id = $1 ORDER BY turn', [dojoId]);
    return rows;
  } finally {
    await client.end();
  }
}

/** The tenant's audit entries in order: what was done, by whom, to what. */
export async function auditRows(databaseUrl: string, tenantId: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{
      action: string;
      actor_id: string | null;
      actor_name: string | null;
      target_type: string | null;
      target_id: string | null;
    }>(
      'SELECT action, actor_id, actor_name, target_type, target_id FROM audit_entries WHERE tenant_id = $1 ORDER BY seq',
      [tenantId],
    );
    return rows;
  } finally {
    await client.end();
  }
}

/** Lends a Kysely handle on the test database to `work` (the product's own readers take one). */
export async function withDatabase<T>(databaseUrl: string, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    return await work(db);
  } finally {
    await db.destroy();
  }
}

/** Creates the tenant and the dojo rows the API would have created (the server reads format and turn length). */
export async function createDojoRow(
  databaseUrl: string,
  dojo: { tenantId: string; dojoId: string; format: string; turnMinutes: number; language?: string },
): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('INSERT INTO tenants (id, name, slug) VALUES ($1, $1, $1) ON CONFLICT DO NOTHING', [
      dojo.tenantId,
    ]);
    await client.query(
      `INSERT INTO dojos (id, tenant_id, title, format, language, turn_minutes, created_by)
       VALUES ($1, $2, 'Dojo', $3, $5, $4, 'fac')`,
      [dojo.dojoId, dojo.tenantId, dojo.format, dojo.turnMinutes, dojo.language ?? 'typescript'],
    );
  } finally {
    await client.end();
  }
}
