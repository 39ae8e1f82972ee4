import * as encoding from 'lib0/encoding';

/** One client's entry of a y-protocols awareness update. */
export interface AwarenessEntry {
  clientId: number;
  /** Increases with every change of this client's state; receivers drop states older than what they hold. */
  clock: number;
  /** `null` says the client left. */
  state: Record<string, unknown> | null;
}

/**
 * The y-protocols awareness update of exactly these entries: varUint count, then per client varUint id,
 * varUint clock, varString JSON. (y-protocols' own encoder reads the clocks from an Awareness instance;
 * the server relays the sender's clocks and the load generators have no Awareness.)
 */
export function encodeAwarenessUpdate(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, JSON.stringify(entry.state));
  }
  return encoding.toUint8Array(encoder);
}
