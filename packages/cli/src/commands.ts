/** One option of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** Placeholder of the value in help, e.g. `<file>`. */
  value?: string;
}

/** One command: its usage, its positional arguments and its options. */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments as shown in usage, e.g. `<hook> '<json>'`. */
  arguments: string;
  minArguments: number;
  maxArguments: number;
  options: Record<string, OptionSpec>;
  /** Extra lines of help: examples, notes. */
  notes?: string;
}

const help: OptionSpec = { type: 'boolean', description: 'show this help' };
const config: OptionSpec = { type: 'string', value: '<file>', description: 'JSON configuration file (or CCX_HOOK_CONFIG)' };

const storeUrl: OptionSpec = { type: 'string', value: '<url>', description: 'the store (default: store.url from configuration)' };
/** The options every `deliveries` subcommand takes: where the store is. */
const storeOptions = { help, config, 'store-url': storeUrl } satisfies Record<string, OptionSpec>;
const json: OptionSpec = { type: 'boolean', description: 'print JSON for scripts' };
const scope = {
  hook: { type: 'string', value: '<hook>', description: 'only this hook, e.g. post-add-node' },
  cluster: { type: 'string', value: '<id>', description: 'only this cluster' },
} satisfies Record<string, OptionSpec>;

/** `deliveries <subcommand>`: operator commands on the configured store (DESIGN §5). */
const deliveriesSpecs: CommandSpec[] = [
  {
    name: 'deliveries list',
    summary: 'list post- hook deliveries, newest first',
    arguments: '',
    minArguments: 0,
    maxArguments: 0,
    options: {
      ...storeOptions,
      status: { type: 'string', value: '<status>', description: 'pending, delivered or dead' },
      ...scope,
      'older-than': { type: 'string', value: '<age>', description: 'only deliveries queued at least this long ago, e.g. 1h' },
      limit: { type: 'string', value: '<n>', description: 'at most this many (default 50)' },
      after: { type: 'string', value: '<cursor>', description: 'the next page, as printed by the previous one' },
      json,
    },
  },
  {
    name: 'deliveries show',
    summary: 'show a delivery with every attempt',
    arguments: '<id>',
    minArguments: 1,
    maxArguments: 1,
    options: { ...storeOptions, json },
  },
  {
    name: 'deliveries retry',
    summary: 'queue dead deliveries again, or make a waiting one due now',
    arguments: '[id…]',
    minArguments: 0,
    maxArguments: 10_000,
    options: {
      ...storeOptions,
      dead: { type: 'boolean', description: 'every dead delivery (narrowed by --hook, --cluster)' },
      ...scope,
    },
    notes: 'A dead delivery joins the back of its cluster\'s queue with its attempts counted from 1 again.',
  },
  {
    name: 'deliveries purge',
    summary: 'delete delivered deliveries and their attempts',
    arguments: '',
    minArguments: 0,
    maxArguments: 0,
    options: {
      ...storeOptions,
      'delivered-before': { type: 'string', value: '<age>', description: 'delivered at least this long ago, e.g. 7d' },
    },
  },
];

/** `endpoints <subcommand>`: what the endpoints said, as every replica honours it (DESIGN §5a). */
const endpointsSpecs: CommandSpec[] = [
  {
    name: 'endpoints list',
    summary: 'show each hook\'s endpoint: ok, gone (it answered 410) or paused (Retry-After), its rate limit and pending deliveries',
    arguments: '',
    minArguments: 0,
    maxArguments: 0,
    options: { ...storeOptions, json },
  },
  {
    name: 'endpoints resume',
    summary: 'send to a gone or paused endpoint again, from every replica',
    arguments: '<hook>',
    minArguments: 1,
    maxArguments: 1,
    options: storeOptions,
    notes: 'Example: ccx-hook-service endpoints resume post-add-node',
  },
];

/** `keys <subcommand>`: ed25519 signing keys for v1a signatures (DESIGN §3a). */
const keysSpecs: CommandSpec[] = [
  {
    name: 'keys generate',
    summary: 'print a new signing key (whsk_…) and its public key (whpk_…)',
    arguments: '',
    minArguments: 0,
    maxArguments: 0,
    options: { help },
  },
  {
    name: 'keys public',
    summary: 'read a signing key (whsk_…) on stdin and print its public key',
    arguments: '',
    minArguments: 0,
    maxArguments: 0,
    options: { help },
    notes: 'Example: ccx-hook-service keys public < signing-key.txt',
  },
];

/** The commands of the CLI; `configFlags` and `localServerFlags` are the configuration keys `serve` and `local-server` take as flags. */
export function commandSpecs(configFlags: Record<string, OptionSpec>, localServerFlags: Record<string, OptionSpec>): CommandSpec[] {
  return [
    {
      name: 'serve',
      summary: 'run the service from configuration (the default command)',
      arguments: '',
      minArguments: 0,
      maxArguments: 0,
      options: { help, config, ...configFlags },
      notes: 'Every flag is also a CCX_HOOK_<KEY> environment variable, e.g. CCX_HOOK_HOOKS_URL.',
    },
    {
      name: 'local-server',
      summary: 'run the service for local development against an HTTP server',
      arguments: '[target]',
      minArguments: 0,
      maxArguments: 1,
      options: { help, config, ...localServerFlags },
      notes:
        'target is a URL, host[:port] or a port (default http://127.0.0.1:8080), on this machine or\n' +
        'not; it takes the place of hooks.url. Listens on loopback only, logs for humans, keeps its\n' +
        'store under ./.data/ (the defaults below).',
    },
    {
      name: 'mock-hooks',
      summary: 'run an HTTP receiver that prints each hook and approves it',
      arguments: '',
      minArguments: 0,
      maxArguments: 0,
      options: {
        help,
        host: { type: 'string', value: '<host>', description: 'interface to listen on (default 127.0.0.1)' },
        port: { type: 'string', value: '<port>', description: 'port to listen on (default 8080; 0 picks one)' },
        reject: { type: 'string', value: '<reason>', description: 'reject pre-create-cluster and pre-add-node' },
        'fail-ratio': { type: 'string', value: '<0..1>', description: 'answer this fraction of hooks with HTTP 500' },
        latency: { type: 'string', value: '<duration>', description: 'wait this long before answering, e.g. 250ms' },
        secret: { type: 'string', value: '<whsec_…>', description: 'verify signatures (comma-separated secrets)' },
        'public-key': { type: 'string', value: '<whpk_…>', description: 'verify v1a signatures (comma-separated public keys)' },
        record: { type: 'string', value: '<file>', description: 'append every hook as a JSON line to this file' },
      },
    },
    ...deliveriesSpecs,
    ...endpointsSpecs,
    ...keysSpecs,
    {
      name: 'test-client',
      summary: 'call the running service over gRPC and print the response',
      arguments: "<hook> '<json>'",
      minArguments: 2,
      maxArguments: 2,
      options: {
        help,
        config,
        address: { type: 'string', value: '<host:port>', description: 'service address (default: grpc.address)' },
        timeout: { type: 'string', value: '<duration>', description: 'deadline of the call (default 30s)' },
        'idempotency-key': { type: 'string', value: '<key>', description: 'send idempotency-key metadata' },
        tls: { type: 'boolean', description: 'call over TLS (implied by --ca, --cert, --key, --server-name)' },
        ca: { type: 'string', value: '<file>', description: 'PEM CA of the server\'s certificate (default: the system\'s CAs)' },
        cert: { type: 'string', value: '<file>', description: 'PEM client certificate, for mutual TLS' },
        key: { type: 'string', value: '<file>', description: 'PEM key of the client certificate' },
        'server-name': { type: 'string', value: '<name>', description: 'name the server\'s certificate must carry' },
      },
      notes:
        '<hook> is pre-add-node, pre_add_node or PreAddNode; a bare event (add_node) means its pre- hook.\n' +
        'The JSON uses the protobuf JSON mapping (camelCase). Example:\n' +
        `  ccx-hook-service test-client add_node '{"clusterId":"1","cloud":"c1","nodeCount":1,"instanceType":"i1","authId":"a1"}'`,
    },
  ];
}

/** The help of one command. */
export function commandHelp(program: string, command: CommandSpec): string {
  const width = Math.max(...Object.entries(command.options).map(([name, o]) => name.length + (o.value?.length ?? 0)));
  const options = Object.entries(command.options).map(([name, option]) => {
    const left = `--${name}${option.value ? ` ${option.value}` : ''}`;
    return `  ${left.padEnd(width + 4)}${option.description}`;
  });
  const usage = `Usage: ${program} ${command.name}${command.arguments ? ` ${command.arguments}` : ''} [options]`;
  return [usage, '', command.summary, ...(command.notes ? ['', command.notes] : []), '', 'Options:', ...options].join('\n');
}

/** The help of the whole program. */
export function programHelp(program: string, commands: CommandSpec[]): string {
  const lines = commands.map((command) => `  ${`${command.name} ${command.arguments}`.padEnd(30)}${command.summary}`);
  return [
    `Usage: ${program} [command] [options]`,
    '',
    'Commands:',
    ...lines,
    '',
    `Run "${program} <command> --help" for a command's options. Exit status: 0 success, 1 failure, 2 usage error.`,
  ].join('\n');
}
