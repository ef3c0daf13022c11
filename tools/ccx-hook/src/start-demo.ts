import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// `npm start`: the service on its embedded defaults (local-server: SQLite under ./.data/,
// loopback) next to a mock receiver, so a newcomer sees hooks arrive, and the read-only
// console on loopback to watch them. Every port comes from the environment, so a port taken on
// this machine is one variable away.
const bin = fileURLToPath(import.meta.resolve('ccx-hook-service/bin'));
const mockPort = process.env.MOCK_HOOKS_PORT ?? '8080';
const grpcAddress = process.env.CCX_HOOK_GRPC_ADDRESS ?? '127.0.0.1:50051';
const ports =
  `the demo's ports come from MOCK_HOOKS_PORT (the mock receiver, now ${mockPort}), CCX_HOOK_GRPC_ADDRESS (now ${grpcAddress}), ` +
  `CCX_HOOK_HTTP_ADDRESS (now ${process.env.CCX_HOOK_HTTP_ADDRESS ?? '127.0.0.1:9464'}) and CCX_HOOK_CONSOLE_ADDRESS ` +
  `(now ${process.env.CCX_HOOK_CONSOLE_ADDRESS ?? '127.0.0.1:9465'}), e.g. MOCK_HOOKS_PORT=18080 npm start`;

const children: ChildProcess[] = [];
let exiting = false;
const stop = (code: number) => {
  if (exiting) return;
  exiting = true;
  for (const child of children) child.kill('SIGTERM');
  process.exitCode = code;
};
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const mock = spawn(process.execPath, [bin, 'mock-hooks', '--port', mockPort], { stdio: ['ignore', 'pipe', 'inherit'] });
children.push(mock);
mock.on('exit', (code) => {
  if (!exiting) process.stderr.write(`npm start: the mock receiver stopped; ${ports}\n`);
  stop(code ?? 1);
});
onLines(mock, (line) => {
  // The service starts once the mock listens, and calls it where it listens.
  const url = /^mock-hooks listening on (\S+)/.exec(line)?.[1];
  if (url && children.length === 1 && !exiting) startService(url);
});

/** Passes `child`'s output on, and each whole line of it to `online`. */
function onLines(child: ChildProcess, online: (line: string) => void): void {
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop()!;
    lines.forEach(online);
  });
}

function startService(target: string): void {
  const env = { ...process.env, CCX_HOOK_CONSOLE_ADDRESS: process.env.CCX_HOOK_CONSOLE_ADDRESS ?? '127.0.0.1:9465' };
  const service = spawn(process.execPath, [bin, 'local-server', target], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(service);
  service.on('exit', (code) => {
    if (!exiting) process.stderr.write(`npm start: the service stopped; ${ports}\n`);
    stop(code ?? 1);
  });
  onLines(service, (line) => {
    const listening = /ccx-hook-service listening .*\bport=(\d+).* console=(\S+)/.exec(line);
    if (!listening) return;
    const address = grpcAddress.replace(/:\d+$/, `:${listening[1]}`);
    const addressFlag = address === '127.0.0.1:50051' ? '' : ` --address ${address}`;
    process.stdout.write(
      `\nThe service listens on ${address} and calls the mock receiver at ${target}.\n` +
        `The console (read-only without console.token) is at ${listening[2]}\n` +
        'In another terminal, try:\n' +
        `  npx ccx-hook test-client add_node '{"clusterId":"1","cloud":"c1","nodeCount":1,"instanceType":"i1","authId":"a1"}'${addressFlag}\n` +
        'Its queued deliveries: npx ccx-hook deliveries list --store-url sqlite:./.data/local-deliveries.db\n' +
        'Ctrl-C stops both.\n\n',
    );
  });
}
