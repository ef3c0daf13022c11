import convict from 'convict';
import { readSmallFile } from '@ccx-hook/cli';
import { isLoopback } from '@ccx-hook/console';
import { canReject, decodeSecret, decodeSigningKey, errorCode, type HookName, hookNames, type HookTls, isPreHook } from '@ccx-hook/hook-client';
import type { HookMode, HookSettings } from '@ccx-hook/server';
import { addConfigFormats } from './config-formats.js';
import { configKeys, configSchema, envName, flagName, type SchemaDefaults } from './config-schema.js';
import { ConfigError } from './errors.js';
import { nearestName } from './nearest-name.js';
import type { Credentials, ServiceConfig } from './service-config.js';

/** Where configuration comes from, in increasing priority after the defaults. */
export interface ConfigSources {
  /** A JSON file (`--config`); defaults to `CCX_HOOK_CONFIG`. */
  configFile?: string;
  /** The environment (`CCX_HOOK_*`). */
  env: NodeJS.ProcessEnv;
  /** Command-line flags by flag name (`grpc-address`). */
  flags: Record<string, string>;
  defaults: SchemaDefaults;
}

const configFileVariable = 'CCX_HOOK_CONFIG';
/** A console token shorter than this is guessable. */
const minConsoleToken = 24;
/** What Kubernetes injects for a Service named `ccx-hook` (service links): not configuration. */
const serviceLink = /^CCX_HOOK_(SERVICE_HOST|SERVICE_PORT(_\w+)?|PORT(_\w+)?)$/;

/**
 * Loads and validates the configuration: defaults, then the file, then `CCX_HOOK_*`
 * variables, then flags. Throws `ConfigError` with one line naming the key, the bad value and
 * what is expected.
 */
export function loadConfig(sources: ConfigSources): ServiceConfig {
  addConfigFormats();
  const schema = configSchema(sources.defaults);
  const keys = configKeys(schema);
  checkEnvironment(sources.env, keys.map(({ key }) => envName(key)));
  const config = convict(schema, { env: sources.env, args: [] });
  try {
    const file = sources.configFile ?? sources.env[configFileVariable];
    if (file) loadFile(config, file);
    const byFlag = new Map(keys.map(({ key }) => [flagName(key), key]));
    for (const [flag, value] of Object.entries(sources.flags)) {
      const key = byFlag.get(flag);
      if (!key) throw new ConfigError(`unknown flag --${flag}`);
      config.set(key, value);
    }
    config.validate({ allowed: 'strict' });
  } catch (error) {
    if (errorCode(error) === 'ERR_CONFIG') throw error;
    throw new ConfigError(`invalid configuration: ${describe((error as Error).message)}`);
  }
  return toServiceConfig((key) => config.get(key as never) as unknown);
}

function loadFile(config: convict.Config<Record<string, unknown>>, file: string): void {
  let text: string;
  try {
    text = readSmallFile(file);
  } catch (error) {
    throw new ConfigError(`cannot read configuration file "${file}": ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`configuration file "${file}" is not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`configuration file "${file}" must hold a JSON object`);
  }
  checkNested(parsed as Record<string, unknown>, file, '');
  config.load(parsed);
}

/**
 * Reads a file the service is given: a regular file of at most 1 MiB (so that `/dev/zero` or a
 * directory is an error, not a hang). Throws an Error saying what is wrong.
 */
/** A dotted key (`"grpc.address"`) would be ignored by convict: refuse it, naming it. */
function checkNested(object: Record<string, unknown>, file: string, prefix: string): void {
  for (const [key, value] of Object.entries(object)) {
    if (key.includes('.')) {
      throw new ConfigError(`configuration file "${file}": key "${prefix}${key}" has a dot; write nested objects, e.g. {"grpc": {"address": …}}`);
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      checkNested(value as Record<string, unknown>, file, `${prefix}${key}.`);
    }
  }
}

/** A typo in a variable name must not be silently ignored. */
function checkEnvironment(env: NodeJS.ProcessEnv, known: string[]): void {
  for (const name of Object.keys(env)) {
    if (name.startsWith('CCX_HOOK_') && name !== configFileVariable && !known.includes(name) && !serviceLink.test(name)) {
      const meant = nearestName(name, known);
      throw new ConfigError(`invalid configuration: unknown environment variable ${name}${meant ? `; did you mean ${meant}?` : ''}`);
    }
  }
}

/** Convict's first error line, with the key's environment variable named next to it. */
function describe(message: string): string {
  // A URL's user-info may be a password: never echo it.
  const line = message.split('\n')[0]!.replace(/\/\/[^/@\s"]*@/g, '//[redacted]@');
  const unknown = /^configuration param '([^']+)' not declared in the schema$/.exec(line);
  if (unknown) return `${unknown[1]}: unknown key`;
  const key = /^([a-z_.-]+): /.exec(line)?.[1];
  return key ? line.replace(`${key}: `, `${key} (${envName(key)}): `) : line;
}

function toServiceConfig(get: (key: string) => unknown): ServiceConfig {
  const text = (key: string) => String(get(key));
  const ms = (key: string) => get(key) as number;
  const readCredentials = () => credentialsOf(text);
  const credentials = readCredentials();
  const storeUrl = text('store.url');
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(storeUrl)) {
    // A database URL may carry a password: never echo user-info.
    const shown = storeUrl.replace(/\/\/[^/@]*@/, '//[redacted]@');
    throw new ConfigError(
      `invalid configuration: store.url (CCX_HOOK_STORE_URL): must be sqlite:<path> or postgres://…: value was "${shown}"`,
    );
  }
  const hookSettings = (hook: HookName): HookSettings => {
    const base = text('hooks.url').replace(/\/+$/, '');
    const url = text(`hooks.${hook}.url`) || (base ? `${base}/${hook}` : '');
    const timeout = get(`hooks.${hook}.timeout`) as number | null;
    return {
      url: get(`hooks.${hook}.enabled`) && url ? url : undefined,
      failurePolicy: canReject(hook) ? (text(`hooks.${hook}.failure_policy`) as HookSettings['failurePolicy']) : 'fail-open',
      ...(canReject(hook) && { mode: text(`hooks.${hook}.mode`) as HookMode }),
      timeoutMs: timeout ?? ms(isPreHook(hook) ? 'hooks.timeout' : 'delivery.timeout'),
    };
  };
  return {
    grpcAddress: text('grpc.address'),
    grpcLimits: {
      maxConcurrentStreams: ms('grpc.max_concurrent_streams'),
      maxSessionMemoryMb: ms('grpc.max_session_memory'),
      keepaliveTimeMs: ms('grpc.keepalive_time'),
      keepaliveTimeoutMs: ms('grpc.keepalive_timeout'),
      maxConnectionIdleMs: ms('grpc.max_connection_idle'),
      maxConnectionAgeMs: ms('grpc.max_connection_age'),
    },
    httpAddress: text('http.address'),
    console: consoleOf(text, ms('console.decisions')),
    hooks: Object.fromEntries(hookNames.map((hook) => [hook, hookSettings(hook)])) as Record<HookName, HookSettings>,
    preHooks: {
      budgetMs: ms('hooks.budget'),
      attempts: ms('hooks.attempts'),
      deadlineMarginMs: ms('hooks.deadline_margin'),
      rejectionMessage: text('hooks.rejection_message'),
    },
    breaker: { threshold: ms('hooks.breaker_threshold'), cooldownMs: ms('hooks.breaker_cooldown') },
    credentials,
    readCredentials,
    storeUrl,
    storeTimeoutMs: ms('store.timeout'),
    delivery: {
      timeoutMs: ms('delivery.timeout'),
      concurrency: ms('delivery.concurrency'),
      ratePerSecond: (get('delivery.rate_limit') as number) || undefined,
      retentionMs: ms('delivery.retention'),
      stallTimeoutMs: ms('delivery.stall_timeout'),
      schedule: get('delivery.schedule') as number[],
    },
    shutdownGraceMs: ms('shutdown.grace'),
    log: { level: text('log.level'), format: text('log.format') as 'json' | 'pretty' },
  };
}

function consoleOf(text: (key: string) => string, decisions: number): ServiceConfig['console'] {
  const address = text('console.address') || undefined;
  const token = text('console.token') || undefined;
  if (token !== undefined && token.length < minConsoleToken) {
    // The value is a secret: say what is wrong with it, never the value.
    throw new ConfigError(`invalid configuration: console.token (CCX_HOOK_CONSOLE_TOKEN): must be at least ${minConsoleToken} characters`);
  }
  if (address !== undefined && token === undefined && !isLoopback(address)) {
    throw new ConfigError(
      `invalid configuration: console.token (CCX_HOOK_CONSOLE_TOKEN): required when console.address "${address}" is not loopback`,
    );
  }
  const hosts = text('console.hosts').split(',').map((name) => name.trim().replace(/^\[(.*)\]$/, '$1')).filter(Boolean);
  return { address, token, decisions, ...(hosts.length > 0 && { hosts }) };
}

function credentialsOf(text: (key: string) => string): Credentials {
  const file = (key: string) => readKeyFile(key, text(key));
  const secretFile = file('hooks.secret_file');
  const secrets = readSecrets(text('hooks.secret'), secretFile ?? '');
  // A secrets file with none in it is a file written halfway or emptied by mistake: signing
  // must not quietly stop (DESIGN §7). At start it is a start error; on SIGHUP, a refused reload.
  if (secretFile !== undefined && readSecrets('', secretFile).length === 0) {
    throw new ConfigError(`invalid configuration: hooks.secret_file (CCX_HOOK_HOOKS_SECRET_FILE): "${text('hooks.secret_file')}" holds no secret (empty or cut short?)`);
  }
  const signingKeyFile = file('hooks.signing_key_file');
  const signingKeys = readSigningKeys(text('hooks.signing_key'), signingKeyFile ?? '');
  if (signingKeyFile !== undefined && readSigningKeys('', signingKeyFile).length === 0) {
    throw new ConfigError(
      `invalid configuration: hooks.signing_key_file (CCX_HOOK_HOOKS_SIGNING_KEY_FILE): "${text('hooks.signing_key_file')}" holds no signing key (empty or cut short?)`,
    );
  }
  const [cert, key, clientCa] = [file('grpc.tls.cert'), file('grpc.tls.key'), file('grpc.tls.client_ca')];
  if ((cert === undefined) !== (key === undefined)) {
    throw new ConfigError('invalid configuration: grpc.tls.cert and grpc.tls.key (CCX_HOOK_GRPC_TLS_CERT, CCX_HOOK_GRPC_TLS_KEY) go together');
  }
  if (clientCa !== undefined && cert === undefined) {
    throw new ConfigError('invalid configuration: grpc.tls.client_ca (CCX_HOOK_GRPC_TLS_CLIENT_CA) needs grpc.tls.cert and grpc.tls.key');
  }
  const hookTls: HookTls = { ca: file('hooks.tls.ca'), cert: file('hooks.tls.cert'), key: file('hooks.tls.key') };
  if ((hookTls.cert === undefined) !== (hookTls.key === undefined)) {
    throw new ConfigError('invalid configuration: hooks.tls.cert and hooks.tls.key (CCX_HOOK_HOOKS_TLS_CERT, CCX_HOOK_HOOKS_TLS_KEY) go together');
  }
  const pinned = hookNames.flatMap((hook) => {
    const ca = file(`hooks.${hook}.tls.ca`);
    return ca === undefined ? [] : [[hook, ca] as const];
  });
  if (pinned.length > 0) hookTls.pinnedCa = Object.fromEntries(pinned);
  return { secrets, signingKeys, grpcTls: cert === undefined ? undefined : { cert, key: key!, clientCa }, hookTls };
}

/** The content of the file that `key` names, or undefined when the key is empty. */
function readKeyFile(key: string, path: string): string | undefined {
  if (path === '') return undefined;
  try {
    return readSmallFile(path);
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${key} (${envName(key)}): cannot read "${path}": ${(error as Error).message}`);
  }
}

function readSecrets(inline: string, fromFile: string): string[] {
  const secrets = [inline, fromFile].flatMap((list) => list.split(/[,\n]/)).map((part) => part.trim()).filter(Boolean);
  secrets.forEach((secret, index) => {
    let key: Buffer;
    try {
      key = decodeSecret(secret);
    } catch (error) {
      // The value is a secret: name its position, never the value.
      throw new ConfigError(`invalid configuration: hooks.secret (CCX_HOOK_HOOKS_SECRET): secret ${index + 1}: ${(error as Error).message}`);
    }
    if (isPlaceholder(key)) {
      throw new ConfigError(
        `invalid configuration: hooks.secret (CCX_HOOK_HOOKS_SECRET): secret ${index + 1} is a placeholder, not random bytes; make one with: echo "whsec_$(openssl rand -base64 32)"`,
      );
    }
  });
  return secrets;
}

function readSigningKeys(inline: string, fromFile: string): string[] {
  const keys = [inline, fromFile].flatMap((list) => list.split(/[,\n]/)).map((part) => part.trim()).filter(Boolean);
  keys.forEach((key, index) => {
    try {
      decodeSigningKey(key);
    } catch (error) {
      // The value is a secret: name its position, never the value.
      throw new ConfigError(`invalid configuration: hooks.signing_key (CCX_HOOK_HOOKS_SIGNING_KEY): key ${index + 1}: ${(error as Error).message}`);
    }
  });
  return keys;
}

/**
 * A secret that decodes to text asking to be replaced ("REPLACE-ME-WITH-32-RANDOM-BYTES!", an
 * example's "change me"): shipped by a template, known to everyone. Random bytes are never all
 * printable text with such words in it.
 */
function isPlaceholder(key: Buffer): boolean {
  const text = key.toString('latin1');
  return /^[\x20-\x7e]+$/.test(text) && /replace|change.?me|example|placeholder|secret.?here/i.test(text);
}
