/**
 * What every k6 scenario reads from the environment (`k6 run -e NAME=value` or exported variables).
 * Validated here once, at the init context, so a typo stops the run before any VU starts. (zod is not bundled
 * into k6 scripts: k6's JavaScript runtime is not a target we can test it on here.)
 */

export function text(name: string, fallback?: string): string {
  const value = __ENV[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`set ${name} (k6 run -e ${name}=...)`);
  return value;
}

export function count(name: string, fallback: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got "${raw}"`);
  return value;
}

/** `90s`, `15m`, `1h` or plain seconds, in milliseconds. */
export function duration(name: string, fallback: string): number {
  const raw = text(name, fallback);
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(raw.trim());
  if (!match) throw new Error(`${name} must be a duration like 90s, 15m or 1h, got "${raw}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

/**
 * The token for a role: TOKEN_<ROLE> or TOKEN_<ROLE>_FILE first, then TOKEN or TOKEN_FILE (a path readable
 * by k6's `open`, relative to the script). `open` only works here, in the init context.
 */
export function token(role?: 'FACILITATOR' | 'PARTICIPANT' | 'OBSERVER'): string {
  const names = role ? [`TOKEN_${role}`, 'TOKEN'] : ['TOKEN'];
  for (const name of names) {
    const inline = __ENV[name];
    if (inline) return inline.trim();
    const file = __ENV[`${name}_FILE`];
    if (file) return open(file).trim();
  }
  throw new Error(
    `set TOKEN (or TOKEN_FILE) to a token from: npm run token -- --tenant <tid> --user <sub> --role participant`,
  );
}

/** The common settings: where to connect and which tenant's documents to use. */
export const target = {
  url: text('URL', 'ws://127.0.0.1:8080/collab'),
  /** Must equal the token's `tid`: the server refuses documents of another tenant. */
  tenant: text('TENANT', 't_bench'),
};

/** What `setup()` hands every VU: each VU evaluates the init context on its own, so a run id made there would differ. */
export interface RunData {
  /** Keeps the documents of one run apart from earlier runs'. */
  runId: string;
}

/** Export as `setup` from each script. */
export const newRun = (): RunData => ({ runId: __ENV.RUN_ID || Date.now().toString(36) });

export const documentName = (run: RunData, kind: string, room: number): string =>
  `${target.tenant}/${kind}/${run.runId}-${room}/code`;

/** Thresholds shared by the scenarios; each may be overridden in milliseconds. */
export function collabThresholds(defaults: { connectP95: number; syncP95: number; updateP99: number }) {
  return {
    collab_connect_time: [`p(95)<${count('THRESHOLD_CONNECT_P95_MS', defaults.connectP95)}`],
    collab_sync_time: [`p(95)<${count('THRESHOLD_SYNC_P95_MS', defaults.syncP95)}`],
    collab_update_latency: [`p(99)<${count('THRESHOLD_UPDATE_P99_MS', defaults.updateP99)}`],
    collab_join_failed: [`rate<${count('THRESHOLD_JOIN_FAILED_RATE', 0.01)}`],
  };
}

/**
 * `connections` joins spread evenly over `rampMs`, one VU each (a join storm, or the ramp before holding
 * idle connections). `holdMs` lets the last joiners finish holding before k6 stops them.
 */
export function arrivals(connections: number, rampMs: number, holdMs = 0) {
  return {
    executor: 'constant-arrival-rate' as const,
    rate: Math.ceil((connections * 1000) / rampMs),
    timeUnit: '1s',
    duration: `${Math.ceil(rampMs / 1000)}s`,
    preAllocatedVUs: connections,
    maxVUs: connections,
    ...(holdMs > 0 && { gracefulStop: `${Math.ceil(holdMs / 1000) + 60}s` }),
  };
}
