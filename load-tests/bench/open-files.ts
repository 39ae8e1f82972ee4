import { readFileSync } from 'node:fs';

/**
 * This process's limit on open files, which the servers under test inherit. Node raises the soft limit to
 * the hard one as it starts, so the soft figure is what every process of the run can reach.
 */
export function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

/** A run this machine cannot make: said in one sentence, without a stack. */
export class UnrunnableBench extends Error {
  override name = 'UnrunnableBench';
}

/** Sockets beside the connections: the server's database pool, logs, the harness's own files and threads. */
const otherFiles = 500;

/**
 * Refuses a connection count no process of this machine can hold, before anything starts: one socket per
 * connection in the server, one in the load generators (threads of the harness's process).
 */
export function assertOpenFilesFor(connections: number, limit = openFilesLimit()): void {
  const needed = connections + otherFiles;
  if (needed <= limit) return;
  throw new UnrunnableBench(
    `${connections.toLocaleString('en')} connections need about ${needed.toLocaleString('en')} open files in the ` +
      `server's process and in the harness's; this machine allows ${limit.toLocaleString('en')} per process ` +
      `(ulimit -n). Raise the hard limit (limits.conf, systemd LimitNOFILE, or prlimit as a user with ` +
      `CAP_SYS_RESOURCE) or ask for at most ${(limit - otherFiles).toLocaleString('en')}.`,
  );
}

/** Well inside one source's ephemeral range (32768–60999 by default), with room for earlier rounds' TIME_WAIT. */
const clientsPerSource = 20_000;

/**
 * The loopback source address of the `index`th of `count` clients: all from the default address while one
 * source's ports suffice, else spread over 127.0.0.2, 127.0.0.3, … (every 127/8 address is the loopback).
 */
export function sourceAddressOf(index: number, count: number): string | undefined {
  const sources = Math.ceil(count / clientsPerSource);
  return sources <= 1 ? undefined : `127.0.0.${2 + (index % sources)}`;
}
