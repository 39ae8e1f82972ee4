/**
 * Holds each connection's sync-status acknowledgements until the updates before them are committed.
 *
 * Hocuspocus sends the acknowledgement right after applying an update in memory; the provider counts
 * `unsyncedChanges` down on it, so sending it early would tell a user an edit is safe when a crash could
 * still lose it. Commits are chained per connection and document, so acknowledgements keep their order.
 */
export class DurableAcks {
  private readonly tails = new WeakMap<object, Map<string, Promise<unknown>>>();

  /** Records that `socket`'s next acknowledgement on `address` must wait for `commit`. */
  hold(socket: object, address: string, commit: Promise<unknown>): void {
    let bySocket = this.tails.get(socket);
    if (!bySocket) {
      bySocket = new Map();
      this.tails.set(socket, bySocket);
    }
    const previous = bySocket.get(address);
    const tail: Promise<unknown> = previous ? Promise.all([previous, commit]) : commit;
    bySocket.set(address, tail);
    void tail.then(
      () => {
        if (bySocket.get(address) === tail) bySocket.delete(address);
      },
      () => undefined,
    );
  }

  /** What an acknowledgement on `address` must wait for, or undefined when it may go now. */
  pending(socket: object, address: string): Promise<unknown> | undefined {
    return this.tails.get(socket)?.get(address);
  }
}
