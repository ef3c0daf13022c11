import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { credentials, Metadata } from '@grpc/grpc-js';
import { HookServiceClient, PostAddNodeRequest, PreAddNodeRequest } from '@ccx-hook/proto';
import type { MemoryCgroup } from './memory-cgroup.js';

const bin = createRequire(import.meta.url).resolve('ccx-hook-service/bin');

/** A `serve` process of the real CLI and a gRPC client on one channel to it. */
export interface ServiceProcess {
  client: HookServiceClient;
  pid: number;
  /** The port of `/healthz`, `/readyz` and `/metrics`. */
  httpPort: number;
  /** When it was spawned, on the monotonic clock. */
  spawnedAt: number;
  stop(): Promise<void>;
}

/** Starts `ccx-hook-service serve` with `env` (plus a free port), in `cgroup` if given, and resolves once it listens. */
export async function startServiceProcess(env: Record<string, string>, cgroup?: MemoryCgroup): Promise<ServiceProcess> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CCX_HOOK_')));
  const spawnedAt = performance.now();
  const argv = [process.execPath, bin, 'serve'];
  const [file, args] = cgroup ? cgroup.command(argv) : [argv[0]!, argv.slice(1)];
  const child: ChildProcess = spawn(file, args, {
    env: { ...clean, CCX_HOOK_GRPC_ADDRESS: '127.0.0.1:0', CCX_HOOK_HTTP_ADDRESS: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [port, httpPort] = await new Promise<[number, number]>((resolve, reject) => {
    let out: string | undefined = '';
    // Read the log to the end (a full pipe would stall the service); keep it until the start line.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (out === undefined) return;
      out += chunk.toString();
      const match = /"port":(\d+),"http_port":(\d+)/.exec(out);
      if (match) {
        out = undefined;
        resolve([Number(match[1]), Number(match[2])]);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}${out ?? ''}`)));
  });
  const client = new HookServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return {
    client,
    pid: child.pid!,
    httpPort,
    spawnedAt,
    async stop() {
      client.close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const messages = { preAddNode: PreAddNodeRequest, postAddNode: PostAddNodeRequest };

/** One unary call of `fields` (the rest defaulted); resolves when it is answered, rejects on a gRPC error. */
export function call(client: HookServiceClient, method: 'preAddNode' | 'postAddNode', fields: object): Promise<void> {
  const message: { fromPartial(fields: object): object } = messages[method];
  const request = message.fromPartial(fields);
  return new Promise((resolve, reject) => {
    const invoke = (client as unknown as Record<string, Function>)[method]!.bind(client);
    invoke(request, new Metadata(), { deadline: Date.now() + 30_000 }, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** Calls `method` with `inFlight` calls at a time for `durationMs`; resolves with calls per second. */
export async function rate(client: HookServiceClient, method: 'preAddNode' | 'postAddNode', request: (n: number) => object, inFlight: number, durationMs: number) {
  let done = 0;
  let next = 0;
  const end = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await call(client, method, request(next++));
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}
