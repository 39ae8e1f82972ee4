import { z } from 'zod';

/** Writers' Y.Doc client ids start here, so receivers can tell a writer's edits from anything else. */
export const writerClientBase = 1_000_000;

export const endpointSchema = z.object({
  dialect: z.enum(['hocuspocus', 'y-websocket', 'relay']),
  url: z.string(),
  documentName: z.string(),
  token: z.string(),
  localAddress: z.ipv4().optional(),
});

export const clientSpecSchema = z.discriminatedUnion('role', [
  z.object({
    role: z.literal('reader'),
    endpoint: endpointSchema,
    holdDocument: z.boolean().default(false),
    writerIndex: z.undefined().optional(),
  }),
  z.object({
    role: z.literal('writer'),
    endpoint: endpointSchema,
    holdDocument: z.literal(true).default(true),
    writerIndex: z.number().int().min(0),
    editsPerSecond: z.number().positive(),
    edits: z.number().int().min(0),
    /** Send a cursor (awareness) update with every edit, as editors do. */
    awareness: z.boolean(),
  }),
]);
export type ClientSpec = z.infer<typeof clientSpecSchema>;

/** What the main thread asks of a load-generator thread. */
export const workerCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('join'), clients: z.array(clientSpecSchema), concurrency: z.number().int().positive() }),
  z.object({ type: z.literal('type') }),
  z.object({ type: z.literal('progress') }),
  z.object({ type: z.literal('report') }),
  z.object({ type: z.literal('close') }),
]);
export type WorkerCommand = z.input<typeof workerCommandSchema>;

export interface WorkerReport {
  type: 'report';
  joined: number;
  joinErrors: number;
  joinErrorSamples: string[];
  droppedAfterJoin: number;
  sent: number;
  delivered: number;
  duplicates: number;
  latenciesUs: Float64Array;
  ackLatenciesUs: Float64Array;
  connectMs: Float64Array;
  syncMs: Float64Array;
}

export type WorkerReply =
  | { type: 'joined'; joined: number; errors: number }
  | { type: 'typing' }
  | { type: 'progress'; delivered: number; sent: number }
  | WorkerReport
  | { type: 'closed' };
