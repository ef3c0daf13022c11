import { parseArgs } from 'node:util';
import type { DeliveryStore } from '@ccx-hook/delivery';
import { decodeSigningKey, errorCode, generateSigningKey, type HookName, publicKeyText } from '@ccx-hook/hook-client';
import type { MockHooksOptions } from '@ccx-hook/mock-hooks';
import { type CommandSpec, commandHelp, commandSpecs, type OptionSpec, programHelp } from './commands.js';
import { runDeliveries } from './deliveries-command.js';
import { type ConfiguredEndpoints, runEndpoints } from './endpoints-command.js';
import { CommandError, UsageError } from './errors.js';
import { durationFlag, stringValue, type Values } from './flag-values.js';
import { mockHooksOptions } from './mock-hooks-options.js';
import { resolveHook } from './resolve-hook.js';
import { readSmallFile } from './read-small-file.js';
import { callHook, type ClientTls } from './test-client.js';

/** Configuration given on the command line: the file and `--<key>` flags. */
export interface ConfigArguments {
  configFile?: string;
  /** Flag name (`grpc-address`) to value. */
  flags: Record<string, string>;
}

/** What the app does for each command; the CLI parses, validates, prints and sets the exit status. */
export interface CliApp {
  /** The program name in help and errors. */
  program: string;
  version: string;
  /** The configuration keys that `serve` accepts as flags. */
  configFlags: Record<string, OptionSpec>;
  /** Those `local-server` accepts, with its own defaults. */
  localServerFlags: Record<string, OptionSpec>;
  /** Runs the service until it is stopped. */
  serve(config: ConfigArguments): Promise<void>;
  /** Runs the service for local development against `target` until it is stopped. */
  localServer(target: string | undefined, config: ConfigArguments): Promise<void>;
  /** Runs the mock receiver until it is stopped. */
  mockHooks(options: MockHooksOptions): Promise<void>;
  /** The address `test-client` calls when `--address` is not given. */
  serviceAddress(config: ConfigArguments): string;
  /** Opens the configured store (`store.url`) for `deliveries`, and names it (no password); the CLI closes it. */
  openStore(config: ConfigArguments): Promise<{ store: DeliveryStore; name: string }>;
  /** Each hook's URL and the rate limit in the configuration, for `endpoints list`. */
  endpoints(config: ConfigArguments): ConfiguredEndpoints;
}

/** Where the CLI writes. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal, where long work shows a progress bar. */
  progress: boolean;
  /** Whether stdout is a terminal, where `deliveries` first says which store it read. */
  terminal: boolean;
}

const processOutput: CliOutput = {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  progress: process.stderr.isTTY === true,
  terminal: process.stdout.isTTY === true,
};

/**
 * Runs the command line `argv` (without node and the script) and resolves with the exit
 * status: 0 success, 1 failure, 2 usage error. Errors are one line on stderr.
 */
export async function runCli(argv: string[], app: CliApp, output: CliOutput = processOutput): Promise<number> {
  const commands = commandSpecs(app.configFlags, app.localServerFlags);
  try {
    if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      output.stdout(programHelp(app.program, commands));
      return 0;
    }
    if (argv[0] === '--version') {
      output.stdout(app.version);
      return 0;
    }
    const group = argv[0] !== undefined && argv[0] in subcommands ? argv[0] : undefined;
    if (group && (argv[1] === '--help' || argv[1] === '-h')) {
      output.stdout(programHelp(app.program, commands.filter((command) => command.name.startsWith(`${group} `))));
      return 0;
    }
    if (group && (argv[1] === undefined || argv[1].startsWith('-'))) {
      throw new UsageError(`${group} needs a subcommand: ${subcommands[group]}`);
    }
    const words = group ? 2 : 1;
    const name = argv.slice(0, words).join(' ');
    const named = commands.find((command) => command.name === name);
    if (!named && argv[0] !== undefined && !argv[0].startsWith('-')) {
      throw new UsageError(`unknown command "${name}"; run "${app.program} --help" for the commands`);
    }
    const command = named ?? commands[0]!;
    const { values, positionals } = parse(command, named ? argv.slice(words) : argv);
    if (values.help) {
      output.stdout(commandHelp(app.program, command));
      return 0;
    }
    await run(command.name, values, positionals, app, output);
    return 0;
  } catch (error) {
    output.stderr(`${app.program}: ${error instanceof Error ? error.message : String(error)}`);
    return errorCode(error) === 'ERR_USAGE' ? 2 : 1;
  }
}

function parse(command: CommandSpec, args: string[]): { values: Values; positionals: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: Object.fromEntries(Object.entries(command.options).map(([name, option]) => [name, { type: option.type }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // parseArgs explains how to pass a positional that starts with '-'; the first sentence is enough.
    throw new UsageError(`${command.name}: ${(error as Error).message.split('. ')[0]}`);
  }
  const { values, positionals } = parsed;
  if (!values.help && (positionals.length < command.minArguments || positionals.length > command.maxArguments)) {
    throw new UsageError(`usage: ${command.name} ${command.arguments || '(no arguments)'}`.trimEnd());
  }
  return { values, positionals };
}

async function run(name: string, values: Values, positionals: string[], app: CliApp, output: CliOutput): Promise<void> {
  const config = configArguments(values, app.configFlags);
  switch (name) {
    case 'serve':
      return app.serve(config);
    case 'local-server':
      return app.localServer(positionals[0], config);
    case 'mock-hooks':
      return app.mockHooks(mockHooksOptions(values));
    case 'test-client': {
      const hook: HookName = resolveHook(positionals[0]!);
      const response = await callHook({
        address: stringValue(values.address) ?? app.serviceAddress(config),
        hook,
        json: positionals[1]!,
        timeoutMs: durationFlag('timeout', stringValue(values.timeout) ?? '30s'),
        idempotencyKey: stringValue(values['idempotency-key']),
        tls: clientTls(values),
      });
      output.stdout(JSON.stringify(response, null, 2));
      return;
    }
    case 'deliveries list':
    case 'deliveries show':
    case 'deliveries retry':
    case 'deliveries purge': {
      const { store, name: storeName } = await app.openStore(config);
      try {
        await runDeliveries(name.slice('deliveries '.length), positionals, deliveriesOptions(values), { store, name: storeName }, output);
      } finally {
        await store.close();
      }
      return;
    }
    case 'endpoints list':
    case 'endpoints resume': {
      const configured = app.endpoints(config);
      const { store, name: storeName } = await app.openStore(config);
      try {
        await runEndpoints(name.slice('endpoints '.length), positionals, { json: values.json === true }, { store, name: storeName }, configured, output);
      } finally {
        await store.close();
      }
      return;
    }
    case 'keys generate': {
      const { signingKey, publicKey } = generateSigningKey();
      output.stdout(`signing key (hooks.signing_key; keep it secret): ${signingKey}\npublic key (give it to the integrator):          ${publicKey}`);
      return;
    }
    case 'keys public': {
      const text = await readStdin();
      let key;
      try {
        key = decodeSigningKey(text);
      } catch (error) {
        // Never the value: it is a secret.
        throw new CommandError(`keys public: stdin: ${(error as Error).message}`);
      }
      output.stdout(publicKeyText(key));
      return;
    }
  }
}

/** The commands of two words, and their second words for the usage error. */
const subcommands: Record<string, string> = { deliveries: 'list, show, retry or purge', endpoints: 'list or resume', keys: 'generate or public' };

/** All of stdin, as text (a key is short; a terminal ends it with Ctrl-D). */
async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

function configArguments(values: Values, configFlags: CliApp['configFlags']): ConfigArguments {
  const flags: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'string' && name in configFlags) flags[name] = value;
  }
  return { configFile: stringValue(values.config), flags };
}

function deliveriesOptions(values: Values) {
  return {
    status: stringValue(values.status),
    hook: stringValue(values.hook),
    cluster: stringValue(values.cluster),
    olderThan: stringValue(values['older-than']),
    limit: stringValue(values.limit),
    after: stringValue(values.after),
    json: values.json === true,
    dead: values.dead === true,
    deliveredBefore: stringValue(values['delivered-before']),
  };
}

function clientTls(values: Values): ClientTls | undefined {
  const file = (flag: string) => {
    const path = stringValue(values[flag]);
    if (path === undefined) return undefined;
    try {
      return readSmallFile(path);
    } catch (error) {
      throw new UsageError(`--${flag}: cannot read "${path}": ${(error as Error).message}`);
    }
  };
  const tls = { ca: file('ca'), cert: file('cert'), key: file('key'), serverName: stringValue(values['server-name']) };
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new UsageError('--cert and --key go together');
  const wanted = values.tls === true || Object.values(tls).some((value) => value !== undefined);
  return wanted ? tls : undefined;
}

