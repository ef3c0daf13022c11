import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseListenAddress } from '@ccx-hook/console';

/** The HTTP side of the service: `/healthz` (alive), `/readyz` (ready for calls) and `/metrics`. */
export interface HttpEndpoints {
  port: number;
  close(): Promise<void>;
}

/** What the endpoints answer from. */
export interface HttpSources {
  alive: () => boolean;
  ready: () => boolean;
  metrics: () => Promise<{ contentType: string; body: string }>;
}

/**
 * Listens on `address` (`host:port`; port 0 picks one): `/healthz` answers 200 while `alive()`
 * is true and 503 otherwise (a restart would help), `/readyz` 200 while `ready()` is true and 503 otherwise, `/metrics` the
 * Prometheus exposition. Rejects when the address cannot be bound.
 */
export async function startHttpEndpoints(address: string, { alive, ready, metrics }: HttpSources): Promise<HttpEndpoints> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/healthz') {
      const isAlive = alive();
      response.writeHead(isAlive ? 200 : 503, { 'content-type': 'text/plain' }).end(isAlive ? 'ok\n' : 'a restart is needed\n');
    } else if (path === '/readyz') {
      const isReady = ready();
      response.writeHead(isReady ? 200 : 503, { 'content-type': 'text/plain' }).end(isReady ? 'ready\n' : 'not ready\n');
    } else if (path === '/metrics') {
      metrics().then(
        ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
      );
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  const { host, port } = parseListenAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
