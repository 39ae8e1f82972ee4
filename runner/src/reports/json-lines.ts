import type { z } from 'zod';

/**
 * The records of a JSON-lines report that match `schema`, in order. Other lines are skipped: a test binary
 * can print around its framework's lines, and a report cut by a killed run ends mid-line.
 */
export function readJsonLines<T>(text: string, schema: z.ZodType<T>): T[] {
  const records: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
  }
  return records;
}
