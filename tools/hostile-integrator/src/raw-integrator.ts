import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** Writes a reply to a request's socket, byte by byte if it likes: it may never finish. */
export type RawReply = (socket: Socket) => void;

/** A running raw integrator. */
export interface RawIntegrator {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Requests whose headers and body have arrived. */
  requests: number;
  /** Connections open now. */
  readonly connections: number;
  /** Answers the next requests with `reply`. */
  answer(reply: RawReply): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP/1.1 server on loopback that reads each request (headers and a
 * `content-length` body) and then hands the raw socket to the current reply — so it can send
 * what Node's `http` module cannot: a 101, broken framing, a drip that never ends.
 */
export async function startRawIntegrator(reply: RawReply): Promise<RawIntegrator> {
  let current = reply;
  const sockets = new Set<Socket>();
  const state = { requests: 0 };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(buffered.subarray(0, end).toString())?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      socket.off('data', onData);
      state.requests++;
      current(socket);
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return state.requests;
    },
    get connections() {
      return sockets.size;
    },
    answer(next) {
      current = next;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A complete HTTP/1.1 response with a `content-length`, after which the connection is closed (one request per connection). */
export function http(status: number, body: string | Buffer = '', headers: Record<string, string> = {}): RawReply {
  return (socket) => {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const fields = { 'content-type': 'application/json', ...headers, 'content-length': String(bytes.length), connection: 'close' };
    const lines = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`).join('');
    socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${status} X\r\n${lines}\r\n`), bytes]));
  };
}
