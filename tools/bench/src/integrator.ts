import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A minimal integrator that approves every hook at once and counts what it received. */
export interface Integrator {
  url: string;
  /** Requests answered so far. */
  received(): number;
  close(): Promise<void>;
}

/** Starts the minimal integrator on a free loopback port. */
export async function startIntegrator(): Promise<Integrator> {
  let received = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"approved":true,"work_id":"w"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
