import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { HookServiceClient } from '@ccx-hook/proto';

/**
 * Starts `bare-server.js` (the baseline) against `integratorUrl`, POSTing `body` for every
 * pre-add-node call; resolves with a client, its pid and a stop function.
 */
export async function startBareServer(integratorUrl: string, body: string): Promise<{ client: HookServiceClient; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./bare-server.js', import.meta.url)), integratorUrl, body], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bare server exited with ${code}`)));
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
