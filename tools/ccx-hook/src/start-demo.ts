import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// `npm start`: the service on its embedded defaults (local-server: SQLite under ./.data/,
// loopback) next to a mock receiver, so a newcomer sees hooks arrive.
const bin = fileURLToPath(import.meta.resolve('ccx-hook-service/bin'));
const children: ChildProcess[] = [
  spawn(process.execPath, [bin, 'mock-hooks'], { stdio: 'inherit' }),
  spawn(process.execPath, [bin, 'local-server'], { stdio: 'inherit' }),
];

const example = `npx ccx-hook test-client add_node '{"clusterId":"1","cloud":"c1","nodeCount":1,"instanceType":"i1","authId":"a1"}'`;
setTimeout(() => {
  process.stdout.write(`\nThe service listens on 127.0.0.1:50051 and calls the mock receiver on 127.0.0.1:8080.\n`);
  process.stdout.write(`In another terminal, try:\n  ${example}\nCtrl-C stops both.\n\n`);
}, 1500);

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
