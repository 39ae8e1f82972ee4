/**
 * Fan-out in one big dojo on one node: 100 participants and 500 observers (by default) on the SDK's
 * real connection (one socket, three documents each) against the real server on Postgres. Prints:
 * - join: how long until everyone is synced;
 * - typing: the driver types at a steady rate; how long each keystroke takes to reach every other
 *   member (the server fans each one out to everyone), and how many deliveries per second that is;
 * - chat: commands from many participants; how long until every member has each message;
 * - presence: each participant moves once; how long until every other member sees it;
 * - the server process's CPU time and resident memory during each phase.
 * Figures, not assertions: the load generator shares the machine with the server.
 *
 *   npm run bench:dojo [-- --participants 100 --observers 500 --seconds 10 --rate 10]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chatMessages, codeFiles } from '@pocdojo/shared/contract/dojo-documents';
import { createTestDatabase } from '@pocdojo/shared/testing/test-database';
import { eventually } from '../test/support/providers.ts';
import { ServerProcess } from '../test/support/server-process.ts';
import { join, type Member } from '../test/dojo/dojo-support.ts';
import { ms, summarize } from './edit-probe.ts';

const { values } = parseArgs({
  options: {
    participants: { type: 'string', default: '100' },
    observers: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    rate: { type: 'string', default: '10' },
  },
});
const participants = Number(values.participants);
const observers = Number(values.observers);
const seconds = Number(values.seconds);
const keystrokesPerSecond = Number(values.rate);
const tenantId = 't_bench';
const dojoId = 'd_bench';

/** CPU seconds (user + system) and resident MiB of a process, from /proc. */
function processUsage(pid: number): { cpu: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssPages = Number(fields[21]);
  return { cpu: ticks / 100, rssMiB: (rssPages * 4096) / 2 ** 20 };
}

/** The server's own count of WebSocket messages it sent, from its /metrics. */
async function messagesOut(server: ServerProcess): Promise<number> {
  const text = await fetch(`${server.httpUrl}/metrics`).then((response) => response.text());
  return Number(/^pocdojo_ws_messages_out_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(text)?.[1] ?? NaN);
}

async function phase<T>(name: string, server: ServerProcess, work: () => Promise<T>): Promise<T> {
  const before = processUsage(server.pid);
  const sentBefore = await messagesOut(server);
  const started = performance.now();
  const result = await work();
  const wall = (performance.now() - started) / 1000;
  const after = processUsage(server.pid);
  const sent = (await messagesOut(server)) - sentBefore;
  const cpu = after.cpu - before.cpu;
  print(
    `${name.padEnd(9)} wall ${wall.toFixed(1)} s, server sent ${sent} messages (${(sent / wall).toFixed(0)}/s), ` +
      `server CPU ${cpu.toFixed(1)} s (${((cpu / wall) * 100).toFixed(0)}% of a core, ` +
      `${sent > 0 ? ((cpu / sent) * 1e6).toFixed(1) : '-'} µs per message sent), server RSS ${after.rssMiB.toFixed(0)} MiB`,
  );
  return result;
}

const print = (text: string) => process.stdout.write(`${text}\n`);

const line = (what: string, samples: number[], wallSeconds?: number) => {
  const s = summarize(samples);
  const rate = wallSeconds ? `, ${(s.n / wallSeconds).toFixed(0)} deliveries/s` : '';
  print(`  ${what}: n=${s.n} p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms, max ${ms(s.max)} ms${rate}`);
};

const database = await createTestDatabase('pocdojo_bench');
const server = await ServerProcess.start({ databaseUrl: database.url });
const members: Member[] = [];
try {
  print(`one dojo, ${participants} participants + ${observers} observers, one node (server pid ${server.pid})`);
  await phase('join', server, async () => {
    const people = [
      { userId: 'fay', role: 'facilitator' as const },
      ...Array.from({ length: participants }, (_, i) => ({ userId: `p${i}`, role: 'participant' as const })),
      ...Array.from({ length: observers }, (_, i) => ({ userId: `o${i}`, role: 'observer' as const })),
    ];
    // In waves, as a room fills up over a few seconds rather than in one instant.
    for (let i = 0; i < people.length; i += 50) {
      const wave = await Promise.all(
        people.slice(i, i + 50).map((person) => join(server, { tenantId, dojoId, name: person.userId, ...person })),
      );
      members.push(...wave);
      await Promise.all(wave.map((member) => member.connection.whenSynced()));
    }
    const [fay] = members as [Member];
    await eventually(
      () => Object.keys(fay.control.participants).length === participants + 1,
      'everyone listed',
      60_000,
    );
  });

  const [fay, driver] = members as [Member, Member];
  for (const [name, args] of [
    ['setRotation', { order: members.slice(1, participants + 1).map((member) => member.userId) }],
    ['lock', { mode: 'driver' }],
    ['setHandoverRule', { rule: 'manual' }],
    ['start', {}],
  ] as const) {
    const reply = await fay.connection.send(name, args as never);
    if (!reply.ok) throw new Error(`${name}: ${JSON.stringify(reply)}`);
  }
  await eventually(() => members.every((member) => member.control.driverId === driver.userId), 'driver known');

  await phase('typing', server, async () => {
    const sentAt = new Map<string, number>();
    const deliveries: number[] = [];
    driver.type('main.ts', '');
    await eventually(() => members.every((member) => member.file('main.ts') !== undefined), 'file everywhere');
    for (const member of members.slice(2)) {
      member.file('main.ts')?.observe((event) => {
        const now = performance.now();
        for (const op of event.delta) {
          if (typeof op.insert !== 'string') continue;
          for (const token of op.insert.split(';')) {
            const at = sentAt.get(token);
            if (at !== undefined) deliveries.push(now - at);
          }
        }
      });
    }
    const started = performance.now();
    const total = seconds * keystrokesPerSecond;
    for (let n = 0; n < total; n++) {
      sentAt.set(`k${n}`, performance.now());
      driver.type('main.ts', `k${n};`);
      await new Promise((resolve) => setTimeout(resolve, 1000 / keystrokesPerSecond));
    }
    const expected = total * (members.length - 2);
    await eventually(() => deliveries.length >= expected, 'every keystroke everywhere', 120_000);
    line(`keystroke to every member (${keystrokesPerSecond}/s)`, deliveries, (performance.now() - started) / 1000);
  });

  await phase('chat', server, async () => {
    const latencies: number[] = [];
    const sentAt = new Map<string, number>();
    for (const member of members) {
      chatMessages(member.connection.docs.chat).observe((event) => {
        const now = performance.now();
        for (const item of event.changes.added) {
          for (const message of item.content.getContent() as Array<{ text?: string }>) {
            const at = message.text === undefined ? undefined : sentAt.get(message.text);
            if (at !== undefined) latencies.push(now - at);
          }
        }
      });
    }
    const senders = members.slice(1, Math.min(participants, 20) + 1);
    const started = performance.now();
    await Promise.all(
      senders.map(async (sender, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 50));
        const text = `hello from ${sender.userId}`;
        sentAt.set(text, performance.now());
        const reply = await sender.connection.send('chat', { text });
        if (!reply.ok) throw new Error(JSON.stringify(reply));
      }),
    );
    await eventually(() => latencies.length >= senders.length * members.length, 'every message everywhere', 60_000);
    line('chat command to a member having the message', latencies, (performance.now() - started) / 1000);
  });

  await phase('presence', server, async () => {
    const latencies: number[] = [];
    const movers = members.slice(1, participants + 1);
    const movedAt = new Map<number, number>();
    for (const member of members) {
      member.connection.awareness.on('change', ({ updated }: { updated: number[] }) => {
        const now = performance.now();
        for (const clientId of updated) {
          const at = movedAt.get(clientId);
          if (at !== undefined && clientId !== member.connection.awareness.clientID) latencies.push(now - at);
        }
      });
    }
    const started = performance.now();
    for (const [i, mover] of movers.entries()) {
      movedAt.set(mover.connection.awareness.clientID, performance.now());
      mover.connection.setPresence({ file: 'main.ts', topLine: i + 1 });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await eventually(() => latencies.length >= movers.length * (members.length - 1), 'every move everywhere', 60_000);
    line('presence move to every other member', latencies, (performance.now() - started) / 1000);
  });

  print(
    `control document: ${JSON.stringify(fay.control).length} bytes as JSON; code: ${codeFiles(fay.connection.docs.code).get('main.ts')?.length} chars`,
  );
} finally {
  for (const member of members) member.leave();
  await server.stop();
  await database.drop();
}
