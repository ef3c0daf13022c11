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

/** Where `local-server` sends hooks, and whether that is this machine. */
export interface LocalTarget {
  url: string;
  onThisMachine: boolean;
}

/**
 * The base URL of `local-server [target]`: a URL, `host[:port]` meaning `http://host:port`
 * (port 8080 when absent), or a bare port meaning `http://127.0.0.1:port`. Default
 * `http://127.0.0.1:8080`. Any host will do (a container's name, a VM, a colleague's machine):
 * only the service's own listening stays on loopback. Throws `UsageError`.
 */
export function localTarget(target: string | undefined): LocalTarget {
  if (target === undefined) return { url: 'http://127.0.0.1:8080', onThisMachine: true };
  let url: URL;
  try {
    if (/^\d+$/.test(target)) url = new URL(`http://127.0.0.1:${target}`);
    else url = new URL(/^https?:\/\//.test(target) ? target : `http://${/:\d+$/.test(target) ? target : `${target}:8080`}`);
  } catch {
    throw new UsageError(`local-server target must be a URL, host[:port] or a port, got "${target}"`);
  }
  if (url.search || url.hash) throw new UsageError(`local-server target may not carry a query or a fragment, got "${target}"`);
  return { url: url.href.replace(/\/$/, ''), onThisMachine: isLoopback(url.hostname) };
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}
