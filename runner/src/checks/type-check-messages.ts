import { z } from 'zod';

/** Between the runner and its type-checking child (./type-check-process.ts), over the IPC channel. */
export const typeCheckRequestSchema = z.object({
  id: z.number().int(),
  files: z.record(z.string(), z.string()),
});

export const typeCheckReplySchema = z.object({
  id: z.number().int(),
  /** Type errors in the submitted files (0 also when they have syntax errors: the build reports those). */
  errors: z.number().int().min(0),
  /** The errors as `tsc` prints them, with paths relative to the kata. */
  report: z.string(),
  /** The checker itself failed on these files (a bug of ours, not of the code). */
  failure: z.string().optional(),
});

export type TypeCheckRequest = z.infer<typeof typeCheckRequestSchema>;
export type TypeCheckReply = z.infer<typeof typeCheckReplySchema>;
