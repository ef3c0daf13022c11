import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** One client connection and its upstream twin. */
interface Pair {
  client: Socket;
  upstream: Socket | undefined;
}

/**
 * A TCP proxy on `127.0.0.1:<port>` in front of a server (PostgreSQL, here), so that a test
 * can break the network between the service and its store at the moment it chooses: `cut()`
 * ends every connection (a proxy restart, PgBouncer dropping its clients), `blackhole()` stops
 * forwarding without closing anything (a partition: nothing arrives, nothing fails), and
 * `resume()` lets what was held through.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private holding = false;
  private sent = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on a free loopback port in front of `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TcpProxy(server, target);
  }

  /** The port the proxy listens on. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Connections through the proxy now. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Bytes the clients have sent to the server through the proxy so far: what they asked of it. */
  get bytesToServer(): number {
    return this.sent;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlThrough(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** Ends every connection now, both sides; new connections still go through. */
  cut(): void {
    for (const pair of this.pairs) this.end(pair);
  }

  /**
   * Stops forwarding in both directions and keeps every connection open; new connections are
   * accepted and left unanswered. Bytes wait in the sockets until `resume()`.
   */
  blackhole(): void {
    this.holding = true;
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream?.pause();
    }
  }

  /** Forwards again, what was held first. */
  resume(): void {
    this.holding = false;
    for (const pair of this.pairs) {
      if (!pair.upstream) this.connectUpstream(pair);
      pair.client.resume();
      pair.upstream!.resume();
    }
  }

  /** Ends every connection and stops listening. */
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const pair: Pair = { client, upstream: undefined };
    this.pairs.add(pair);
    client.on('error', () => this.end(pair));
    client.on('close', () => this.end(pair));
    client.pause();
    if (!this.holding) {
      this.connectUpstream(pair);
      client.resume();
    }
  }

  private connectUpstream(pair: Pair): void {
    const upstream = connect(this.target.port, this.target.host);
    pair.upstream = upstream;
    upstream.on('error', () => this.end(pair));
    upstream.on('close', () => this.end(pair));
    pair.client.on('data', (chunk: Buffer) => (this.sent += chunk.length));
    this.forward(pair.client, upstream);
    this.forward(upstream, pair.client);
  }

  /** Copies `from` to `to` with back-pressure; paused sockets (a black hole) emit nothing. */
  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!this.holding) from.resume();
    });
  }

  private end(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}
