import type { Extension, Hocuspocus, onConfigurePayload, onDisconnectPayload } from '@hocuspocus/server';
import type { Logger } from '@pocdojo/shared';

type DirectConnection = Awaited<ReturnType<Hocuspocus['openDirectConnection']>>;

/**
 * Keeps a document in memory for a while after its last client leaves, so a reconnecting client (or a
 * page reload) does not pay a reload from the log; after `idleMs` without clients it is unloaded.
 * Hocuspocus itself unloads at once; a direct connection holds the document until the timer ends.
 */
export class KeepWarm implements Extension {
  extensionName = 'keep-warm';
  private instance: Hocuspocus | undefined;
  private readonly held = new Map<string, { connection: Promise<DirectConnection>; timer: NodeJS.Timeout }>();

  constructor(
    private readonly idleMs: number,
    private readonly logger: Logger,
  ) {}

  async onConfigure({ instance }: onConfigurePayload): Promise<void> {
    this.instance = instance;
  }

  async onDisconnect({ documentName, clientsCount }: onDisconnectPayload): Promise<void> {
    if (this.idleMs <= 0 || clientsCount > 0 || !this.instance) return;
    const existing = this.held.get(documentName);
    if (existing) {
      existing.timer.refresh();
      return;
    }
    const connection = this.instance.openDirectConnection(documentName, { keepWarm: true });
    const timer = setTimeout(() => void this.release(documentName), this.idleMs);
    this.held.set(documentName, { connection, timer });
  }

  /** Releases every held document (shutdown). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.held.keys()].map((name) => this.release(name)));
  }

  private async release(documentName: string): Promise<void> {
    const entry = this.held.get(documentName);
    if (!entry) return;
    this.held.delete(documentName);
    clearTimeout(entry.timer);
    try {
      await (await entry.connection).disconnect();
    } catch (error) {
      this.logger.warn({ err: error, document: documentName }, 'releasing idle document failed');
    }
  }
}
