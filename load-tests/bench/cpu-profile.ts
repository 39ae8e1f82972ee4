/**
 * Reads the V8 CPU profiles a server wrote (`--cpu-prof`) and says where its time went: self time per
 * function and per package. What the harness prints with `--profile`, so a CPU figure comes with its causes.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const profileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

/** `node_modules/<package>` of a script URL, or its place in the repository, or V8's label. */
function owner(url: string): string {
  if (url === '') return '(native / V8)';
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules?.[1]) return inModules[1];
  if (url.startsWith('node:')) return 'node core';
  const inRepository = /\/work\/[^/]+\/([^/]+\/[^/]+)/.exec(url);
  return inRepository?.[1] ?? url;
}

export async function summarizeProfiles(directory: string, top = 25): Promise<string> {
  const selfMs = new Map<string, number>();
  const packageMs = new Map<string, number>();
  let totalMs = 0;
  for (const file of (await readdir(directory)).filter((name) => name.endsWith('.cpuprofile'))) {
    const profile = profileSchema.parse(JSON.parse(await readFile(join(directory, file), 'utf8')));
    const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    profile.samples.forEach((id, index) => {
      const ms = (profile.timeDeltas[index] ?? 0) / 1000;
      const frame = frames.get(id);
      if (!frame) return;
      const where = frame.url ? `${owner(frame.url)}:${frame.lineNumber + 1}` : '';
      const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
      selfMs.set(name, (selfMs.get(name) ?? 0) + ms);
      const pkg = frame.functionName === '(idle)' ? '(idle)' : owner(frame.url);
      packageMs.set(pkg, (packageMs.get(pkg) ?? 0) + ms);
      totalMs += ms;
    });
  }
  const table = (entries: Map<string, number>, limit: number) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(
        ([name, ms]) => `${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / totalMs).toFixed(1).padStart(5)} %  ${name}`,
      )
      .join('\n');
  const summary =
    `main-thread samples: ${totalMs.toFixed(0)} ms\n\nby package\n${table(packageMs, 15)}\n\n` +
    `by function (self time)\n${table(selfMs, top)}\n`;
  await writeFile(join(directory, 'summary.txt'), summary);
  return summary;
}
