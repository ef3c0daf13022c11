import { type SchemaDefaults } from './config-schema.js';
import { ConfigError } from './errors.js';

/** The defaults of `local-server`: loopback, readable logs, store under ./.data/. */
export const localServerDefaults: SchemaDefaults = {
  grpcAddress: '127.0.0.1:50051',
  httpAddress: '127.0.0.1:9464',
  logFormat: 'pretty',
  storeUrl: 'sqlite:./.data/local-deliveries.db',
};

/**
 * The base URL of `local-server [target]`: a URL, or `host[:port]` meaning `http://host:port`
 * (port 8080 when absent). Default `http://127.0.0.1:8080`. Throws `ConfigError`.
 */
export function localTarget(target: string | undefined): string {
  if (target === undefined) return 'http://127.0.0.1:8080';
  const url = /^https?:\/\//.test(target) ? target : `http://${/:\d+$/.test(target) ? target : `${target}:8080`}`;
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`local-server target must be a URL or host[:port], got "${target}"`);
  }
  return url;
}
