import { isIP } from 'node:net';
import { UsageError } from '@ccx-hook/cli';
import { type SchemaDefaults } from './config-schema.js';

/** The defaults of `local-server`: loopback, readable logs, store under ./.data/. */
export const localServerDefaults: SchemaDefaults = {
  grpcAddress: '127.0.0.1:50051',
  httpAddress: '127.0.0.1:9464',
  logFormat: 'pretty',
  storeUrl: 'sqlite:./.data/local-deliveries.db',
};

/**
 * The base URL of `local-server [target]`: a URL, `host[:port]` meaning `http://host:port`
 * (port 8080 when absent), or a bare port meaning `http://127.0.0.1:port`. Default
 * `http://127.0.0.1:8080`. The target must be on this machine (`localhost`, 127.0.0.0/8 or
 * `::1`): local development sends no hook off the machine. Throws `UsageError`.
 */
export function localTarget(target: string | undefined): string {
  if (target === undefined) return 'http://127.0.0.1:8080';
  let url: URL;
  try {
    if (/^\d+$/.test(target)) url = new URL(`http://127.0.0.1:${target}`);
    else url = new URL(/^https?:\/\//.test(target) ? target : `http://${/:\d+$/.test(target) ? target : `${target}:8080`}`);
  } catch {
    throw new UsageError(`local-server target must be a URL, host[:port] or a port, got "${target}"`);
  }
  if (!isLoopback(url.hostname)) {
    throw new UsageError(`local-server sends hooks to this machine only (localhost, 127.0.0.1, ::1); the target "${target}" is ${url.hostname}`);
  }
  return url.href.replace(/\/$/, '');
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
