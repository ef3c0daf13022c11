import type { Schema } from 'convict';
import { hookNames } from '@ccx-hook/hook-client';

/** Defaults that differ between `serve` and `local-server`. */
export interface SchemaDefaults {
  grpcAddress: string;
  httpAddress: string;
  logFormat: 'json' | 'pretty';
  storeUrl: string;
}

/** The defaults of `serve`. */
export const serveDefaults: SchemaDefaults = {
  grpcAddress: '0.0.0.0:50051',
  httpAddress: '0.0.0.0:9464',
  logFormat: 'json',
  storeUrl: 'sqlite:./.data/deliveries.db',
};

const defaultRejection = 'The request could not be checked with the provider. Please try again later.';

/** `CCX_HOOK_<KEY>`: dots and dashes become `_`, upper case. */
export const envName = (key: string) => `CCX_HOOK_${key.replace(/[.-]/g, '_').toUpperCase()}`;

/** `--<key>`: dots and underscores become `-`. */
export const flagName = (key: string) => key.replace(/[._]/g, '-');

type Leaf = { doc: string; format: unknown; default: unknown; sensitive?: boolean; nullable?: boolean };

function perHookKeys(): Record<string, Record<string, Leaf | Record<string, Leaf>>> {
  return Object.fromEntries(
    hookNames.map((hook) => {
      const keys: Record<string, Leaf | Record<string, Leaf>> = {
        url: { doc: `URL of ${hook} (default: hooks.url + "/${hook}")`, format: 'http-url', default: '' },
        enabled: { doc: `whether ${hook} is called (true or false)`, format: 'boolean', default: true },
        timeout: {
          doc: `time limit of one attempt of ${hook} (default: ${hook.startsWith('pre-') ? 'hooks.timeout' : 'delivery.timeout'})`,
          format: 'optional-duration',
          default: null,
          nullable: true,
        },
      };
      keys.tls = {
        ca: { doc: `PEM file: the only CA trusted for ${hook} (a pinned CA), instead of the system's and hooks.tls.ca`, format: String, default: '' },
      };
      if (hook === 'pre-create-cluster' || hook === 'pre-add-node') {
        keys.failure_policy = {
          doc: `what ${hook} answers when the integrator cannot be asked`,
          format: ['fail-closed', 'fail-open'],
          default: 'fail-closed',
        };
        keys.mode = {
          doc: `enforce: ${hook}'s answer decides; shadow: the integrator is asked and its answer logged, but the caller is approved (DESIGN §4a)`,
          format: ['enforce', 'shadow'],
          default: 'enforce',
        };
      }
      return [hook, keys];
    }),
  );
}

/** The configuration schema (DESIGN §9); every key gets its `CCX_HOOK_*` variable. */
export function configSchema(defaults: SchemaDefaults): Schema<Record<string, unknown>> {
  const tree = {
    grpc: {
      address: { doc: 'gRPC listen address', format: 'address', default: defaults.grpcAddress },
      max_concurrent_streams: { doc: 'calls in flight on one connection at most', format: 'positive', default: 1000 },
      max_session_memory: { doc: 'MiB one connection may hold, unread replies included; past it its new calls are refused', format: 'positive', default: 32 },
      keepalive_time: { doc: 'a connection quiet this long is pinged', format: 'positive-duration', default: '1m' },
      keepalive_timeout: { doc: 'a ping unanswered this long closes the connection', format: 'positive-duration', default: '20s' },
      max_connection_idle: { doc: 'a connection with no call this long is closed', format: 'positive-duration', default: '1h' },
      max_connection_age: { doc: 'a connection this old is asked to reconnect', format: 'positive-duration', default: '6h' },
      tls: {
        cert: { doc: 'PEM file: the server certificate chain; serves gRPC over TLS (with grpc.tls.key)', format: String, default: '' },
        key: { doc: 'PEM file: the key of grpc.tls.cert', format: String, default: '' },
        client_ca: { doc: 'PEM file: CA of client certificates; makes them required (mutual TLS)', format: String, default: '' },
      },
    },
    http: {
      address: { doc: 'HTTP listen address of /healthz, /readyz and /metrics', format: 'address', default: defaults.httpAddress },
    },
    console: {
      address: { doc: 'HTTP listen address of the operators\' web console; empty: off', format: 'optional-address', default: '' },
      token: { doc: 'console token (at least 24 characters): needed to retry, and to read unless the console is on loopback', format: String, default: '', sensitive: true },
      decisions: { doc: 'pre- hook decisions the console keeps in memory', format: 'positive', default: 1000 },
      hosts: { doc: 'host names the console answers to (the Host header), comma-separated; empty: the bound host, localhost, 127.0.0.1, ::1', format: String, default: '' },
    },
    hooks: {
      url: { doc: 'base URL of the integrator; each hook is POSTed to <url>/<hook-name>', format: 'http-url', default: '' },
      secret: { doc: 'Standard Webhooks secrets whsec_…, comma-separated', format: String, default: '', sensitive: true },
      secret_file: { doc: 'file holding secrets, comma- or newline-separated', format: String, default: '' },
      signing_key: { doc: 'ed25519 signing keys whsk_… (v1a signatures), comma-separated', format: String, default: '', sensitive: true },
      signing_key_file: { doc: 'file holding signing keys, comma- or newline-separated', format: String, default: '' },
      timeout: { doc: 'time limit of one pre- hook attempt', format: 'positive-duration', default: '5s' },
      budget: { doc: 'total time of a pre- hook, retries included', format: 'positive-duration', default: '10s' },
      attempts: { doc: 'attempts of one pre- hook in all, at most', format: 'positive', default: 3 },
      deadline_margin: { doc: 'time kept free before the caller\'s deadline', format: 'duration', default: '100ms' },
      rejection_message: { doc: 'reason of a fail-closed rejection', format: String, default: defaultRejection },
      breaker_threshold: { doc: 'consecutive failed attempts that open an endpoint\'s circuit', format: 'positive', default: 5 },
      breaker_cooldown: { doc: 'how long an open circuit fails fast', format: 'positive-duration', default: '30s' },
      tls: {
        ca: { doc: 'PEM file: CAs trusted for hooks besides the system\'s (an integrator\'s private CA)', format: String, default: '' },
        cert: { doc: 'PEM file: client certificate for integrators that require mutual TLS (with hooks.tls.key)', format: String, default: '' },
        key: { doc: 'PEM file: the key of hooks.tls.cert', format: String, default: '' },
      },
      ...perHookKeys(),
    },
    store: {
      url: { doc: 'delivery store: sqlite:<path>, or postgres://user@host/db for several replicas', format: String, default: defaults.storeUrl },
      timeout: { doc: 'time limit of every store operation; a post- call waits at most this long for its commit', format: 'positive-duration', default: '5s' },
    },
    delivery: {
      timeout: { doc: 'time limit of one post- hook attempt', format: 'positive-duration', default: '15s' },
      concurrency: { doc: 'post- hook attempts in flight at most', format: 'positive', default: 16 },
      rate_limit: { doc: 'post- hook attempts per second per endpoint, by all replicas together; 0 is off', format: 'rate', default: 0 },
      retention: { doc: 'how long delivered rows are kept', format: 'positive-duration', default: '7d' },
      schedule: { doc: 'waits before each retry', format: 'duration-list', default: '5s,5m,30m,2h,5h,10h,14h,20h,24h' },
      stall_timeout: { doc: 'how long the dispatcher may make no progress while deliveries are due before /healthz fails', format: 'positive-duration', default: '5m' },
    },
    shutdown: {
      grace: { doc: 'how long in-flight calls and attempts may finish at shutdown', format: 'duration', default: '10s' },
    },
    log: {
      level: { doc: 'log level', format: ['error', 'warn', 'info', 'debug'], default: 'info' },
      format: { doc: 'log format', format: ['json', 'pretty'], default: defaults.logFormat },
    },
  };
  return withNames(tree, '') as Schema<Record<string, unknown>>;
}

/** Adds `env` and `arg` to every leaf of the tree. */
function withNames(node: Record<string, unknown>, prefix: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(node).map(([name, child]) => {
      const key = prefix ? `${prefix}.${name}` : name;
      const value = child as Record<string, unknown>;
      if ('doc' in value) return [name, { ...value, env: envName(key), arg: flagName(key) }];
      return [name, withNames(value, key)];
    }),
  );
}

/** Every leaf key of the schema with its doc and default, for `--help` and flag parsing. */
export function configKeys(
  schema: Record<string, unknown>,
  prefix = '',
): Array<{ key: string; doc: string; default: unknown }> {
  return Object.entries(schema).flatMap(([name, child]) => {
    const key = prefix ? `${prefix}.${name}` : name;
    const value = child as Record<string, unknown>;
    return 'doc' in value ? [{ key, doc: String(value.doc), default: value.default }] : configKeys(value, key);
  });
}
