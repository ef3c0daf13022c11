import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// `npm start`: the service on its embedded defaults (local-server: SQLite under ./.data/,
// loopback) next to a mock receiver, so a newcomer sees hooks arrive, and the read-only
// console on loopback to watch them.
const bin = fileURLToPath(import.meta.resolve('ccx-hook-service/bin'));
const example = `npx ccx-hook test-client add_node '{"clusterId":"1","cloud":"c1","nodeCount":1,"instanceType":"i1","authId":"a1"}'`;

const mock = spawn(process.execPath, [bin, 'mock-hooks'], { stdio: 'inherit' });
const consoleAddress = '127.0.0.1:9465';
const service = spawn(process.execPath, [bin, 'local-server', '--console-address', consoleAddress], { stdio: ['ignore', 'pipe', 'inherit'] });
const children: ChildProcess[] = [mock, service];

let hinted = false;
service.stdout.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  if (!hinted && chunk.toString().includes('ccx-hook-service listening')) {
    hinted = true;
    process.stdout.write(
      '\nThe service listens on 127.0.0.1:50051 and calls the mock receiver on 127.0.0.1:8080.\n' +
        `The console (read-only without console.token) is at http://${consoleAddress}/\n` +
        `In another terminal, try:\n  ${example}\n` +
        `Its queued deliveries: npx ccx-hook deliveries list --store-url sqlite:./.data/local-deliveries.db\n` +
        'Ctrl-C stops both.\n\n',
    );
  }
});

let exiting = false;
const stop = (code: number) => {
  if (exiting) return;
  exiting = true;
  for (const child of children) child.kill('SIGTERM');
  process.exitCode = code;
};
for (const child of children) child.on('exit', (code) => stop(code ?? 1));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
