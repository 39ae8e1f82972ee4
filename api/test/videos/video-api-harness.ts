import { withTenant, type DatabaseHandle } from '@pocdojo/shared';
import { startTestApi, type TestApi } from '../api-harness.ts';

/** Scenes of a fraction of a second and quick retries keep the renders and the queue fast in tests. */
export const fastVideoEnv: Record<string, string> = {
  VIDEO_OPENING_SECONDS: '0.5',
  VIDEO_POC_SECONDS: '0.4',
  VIDEO_STATISTICS_SECONDS: '0.5',
  VIDEO_CLOSING_SECONDS: '0.5',
  VIDEO_POLL_SECONDS: '0.5',
  VIDEO_HEARTBEAT_SECONDS: '1',
  VIDEO_STALL_SECONDS: '3',
  VIDEO_RETRY_DELAY_SECONDS: '1',
};

/** The real API (reports and videos included) with short video scenes, as `startTestApi` builds it. */
export const startVideoTestApi = (
  options: { embedded?: boolean; servicesLogin?: boolean; env?: Record<string, string> } = {},
): Promise<TestApi> => startTestApi({ ...options, env: { ...fastVideoEnv, ...options.env } });

export interface SeedPoc {
  name: string;
  language: string;
  tags: string[];
  status: string;
  createdAt: Date;
  description?: string;
}

/** POCs with chosen creation dates, written straight into the tenant's rows (the API always stamps `now()`). */
export async function seedPocs(
  database: DatabaseHandle,
  tenantId: string,
  ownerId: string,
  pocs: SeedPoc[],
): Promise<string[]> {
  if (pocs.length === 0) return [];
  const rows = await withTenant(database.db, tenantId, (trx) =>
    trx
      .insertInto('pocs')
      .values(
        pocs.map((poc, i) => ({
          id: `p_seed${Date.now().toString(36)}${i}${Math.random().toString(36).slice(2, 8)}`,
          tenant_id: tenantId,
          owner_id: ownerId,
          name: poc.name,
          description: poc.description ?? null,
          language: poc.language,
          tags: poc.tags,
          repo_url: null,
          status: poc.status,
          created_at: poc.createdAt,
          updated_at: poc.createdAt,
        })),
      )
      .returning('id')
      .execute(),
  );
  return rows.map((r) => r.id);
}

/** A year of POCs for one person: `count` POCs spread over the months, a few languages and tags. */
export function yearOfPocs(count: number, year: number): SeedPoc[] {
  const languages = ['TypeScript', 'Rust', 'Go', 'TypeScript', 'Python'];
  return Array.from({ length: count }, (_, i) => ({
    name: `POC ${i + 1}`,
    language: languages[i % languages.length] ?? 'TypeScript',
    tags: i % 2 === 0 ? ['realtime', 'crdt'] : ['cli'],
    status: i % 3 === 0 ? 'done' : 'active',
    createdAt: new Date(Date.UTC(year, i % 12, 1 + (i % 27), 9)),
    description: `What we learned from POC ${i + 1}.`,
  }));
}

/** Polls `check` until it returns a value: renders and retries finish on their own schedule. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
