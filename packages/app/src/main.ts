import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type CliApp, type ConfigArguments, type OptionSpec, runCli } from '@ccx-hook/cli';
import { isLoopback } from '@ccx-hook/console';
import { defaultStoreOptions, openStore } from '@ccx-hook/delivery';
import { hookNames } from '@ccx-hook/hook-client';
import { configKeys, configSchema, flagName, type SchemaDefaults, serveDefaults } from './config-schema.js';
import { ConfigError } from './errors.js';
import { createLogger } from './create-logger.js';
import { loadConfig } from './load-config.js';
import { localServerDefaults, localTarget } from './local-server.js';
import { runService } from './run-service.js';
import { version } from './version.js';
import { waitForStopSignal } from './wait-for-stop-signal.js';

/** The configuration keys as flags, each with its default under `defaults`. */
function configFlags(defaults: SchemaDefaults): Record<string, OptionSpec> {
  return Object.fromEntries(
    configKeys(configSchema(defaults)).map(({ key, doc, default: value }) => [
      flagName(key),
      {
        type: 'string',
        value: '<value>',
        description: value === '' || value === null ? doc : `${doc} (default ${String(value)})`,
      } satisfies OptionSpec,
    ]),
  );
}

// local-server's target takes the place of hooks.url.
const { 'hooks-url': _targetInstead, ...localServerFlags } = configFlags(localServerDefaults);

const app: CliApp = {
  program: 'ccx-hook-service',
  version,
  configFlags: configFlags(serveDefaults),
  localServerFlags,

  async serve(args: ConfigArguments) {
    const config = loadConfig({ ...args, env: process.env, defaults: serveDefaults });
    if (Object.values(config.hooks).every((hook) => !hook.url)) {
      throw new ConfigError('no hook has a URL: set hooks.url (CCX_HOOK_HOOKS_URL) or a hook\'s own url');
    }
    makeDefaultStoreDirectory(config.storeUrl);
    await runService(config, createLogger(config.log));
  },

  async localServer(target: string | undefined, args: ConfigArguments) {
    const { url, onThisMachine } = localTarget(target);
    const flags = { ...args.flags, 'hooks-url': url };
    const config = loadConfig({ ...args, flags, env: process.env, defaults: localServerDefaults });
    if (!isLoopback(config.grpcAddress)) {
      throw new ConfigError(`local-server listens on loopback only; grpc.address is "${config.grpcAddress}"`);
    }
    makeDefaultStoreDirectory(config.storeUrl);
    await runService(config, createLogger(config.log), { target: url, ...(!onThisMachine && { target_is: 'not on this machine: hooks leave it' }) });
  },

  async mockHooks(options) {
    // Before it listens: `kill $!` right after the listening line must stop it too.
    const stopSignal = waitForStopSignal();
    // Loaded by this command only, so that serve does not start with the receiver's code.
    const { startMockHooks } = await import('@ccx-hook/mock-hooks');
    const receiver = await startMockHooks({ ...options, print: (text) => process.stdout.write(`${text}\n`) }).catch((error: Error) => {
      throw new Error(`mock-hooks cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 8080} (--host, --port): ${error.message}`);
    });
    process.stdout.write(`mock-hooks listening on ${receiver.url}\n`);
    await stopSignal;
    await receiver.close();
  },

  serviceAddress(args: ConfigArguments) {
    // Only where the service listens matters here: other CCX_HOOK_* variables in the shell
    // (a stray one, or the ones of a service configured differently) do not stop test-client.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name === 'CCX_HOOK_GRPC_ADDRESS' || name === 'CCX_HOOK_CONFIG'));
    const config = loadConfig({ ...args, env, defaults: serveDefaults });
    return config.grpcAddress.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
  },

  endpoints(args: ConfigArguments) {
    const config = loadConfig({ ...args, env: process.env, defaults: serveDefaults });
    return {
      hooks: hookNames.map((hook) => ({ hook, url: config.hooks[hook].url })),
      ratePerSecond: config.delivery.ratePerSecond,
    };
  },

  async openStore(args: ConfigArguments) {
    const config = loadConfig({ ...args, env: process.env, defaults: serveDefaults });
    refuseMissingSqlite(config.storeUrl);
    const store = await openStore(config.storeUrl, { ...defaultStoreOptions, timeoutMs: config.storeTimeoutMs });
    // Which database, and as whom; never the password.
    return { store, name: config.storeUrl.replace(/(\/\/[^/@:]*):[^/@]*@/, '$1:[redacted]@') };
  },
};

/**
 * The defaults' directory (`./.data`) is made on first start; any other missing directory is
 * a mistyped path, which openStore refuses naming it.
 */
function makeDefaultStoreDirectory(storeUrl: string): void {
  if (storeUrl === serveDefaults.storeUrl || storeUrl === localServerDefaults.storeUrl) {
    mkdirSync(dirname(storeUrl.slice('sqlite:'.length)), { recursive: true });
  }
}

/**
 * An operator command reads a store, it never makes one: an empty store created at a mistyped
 * path would answer "nothing there" (issue 28). Throws naming the path, and the local-server's
 * store when that is the one that exists.
 */
function refuseMissingSqlite(storeUrl: string): void {
  if (!storeUrl.startsWith('sqlite:')) return;
  const path = storeUrl.slice('sqlite:'.length);
  if (existsSync(path)) return;
  const local = localServerDefaults.storeUrl;
  const hint = storeUrl === serveDefaults.storeUrl && existsSync(local.slice('sqlite:'.length)) ? `; local-server's store is ${local}: add --store-url ${local}` : '';
  throw new Error(`no store at ${path} (store.url): nothing was read and nothing created${hint}`);
}

/** Runs the CLI with `argv` (without node and the script) and resolves with the exit status. */
export function main(argv: string[]): Promise<number> {
  return runCli(argv, app);
}
