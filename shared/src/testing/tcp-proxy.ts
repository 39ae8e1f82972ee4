import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy the test controls: a load balancer in front of several nodes (round-robin over the ones
 * that accept), or a cable to a database that the test can cut and mend.
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private next = 0;
  private cutOff = false;

  private constructor(private upstreams: number[]) {
    this.server = createServer((client) => this.accept(client));
  }

  static async start(upstreams: number[]): Promise<TcpProxy> {
    const proxy = new TcpProxy(upstreams);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  setUpstreams(upstreams: number[]): void {
    this.upstreams = upstreams;
  }

  /** Drops every connection and refuses new ones until `mend`. */
  cut(): void {
    this.cutOff = true;
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  mend(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket, attempt = 0): void {
    if (this.cutOff || this.upstreams.length === 0 || attempt >= this.upstreams.length) {
      client.destroy();
      return;
    }
    const port = this.upstreams[this.next++ % this.upstreams.length]!;
    const upstream = connect(port, '127.0.0.1');
    upstream.once('connect', () => {
      // Cut while this connection was still being made: it must not slip through the cut.
      if (this.cutOff) {
        client.destroy();
        upstream.destroy();
        return;
      }
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      client.pipe(upstream).pipe(client);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on('close', drop).on('error', drop);
      upstream.on('close', drop).on('error', drop);
    });
    // A dead node: try the next one, as a balancer's health check would.
    upstream.once('error', () => {
      if (!upstream.readyState || upstream.connecting) this.accept(client, attempt + 1);
    });
  }
}
