import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { HookServiceClient } from '@ccx-hook/proto';

/**
 * Starts a baseline server of this folder as its own process — `bare-server.js` (against the
 * integrator, POSTing a fixed body) or `floor-server.js` — with `args`; resolves with a
 * client, its pid and a stop function. What it prints after its port is read and dropped.
 */
export async function startBaseline(script: 'bare-server.js' | 'floor-server.js', args: string[]): Promise<{ client: HookServiceClient; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL(`./${script}`, import.meta.url)), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => {
      resolve(Number(chunk.toString().split('\n')[0]));
      // A full pipe would stall the process (the floor logs a line a call).
      child.stdout.resume();
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  const client = new HookServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    client,
    pid: child.pid!,
    async stop() {
      client.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
