import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemoryCgroup } from './memory-cgroup.js';

/** Requests answered per second, CPU time per request (µs) and peak RSS (MB) of the raw sender's process. */
export interface RawSenderResult {
  rate: number;
  cpuUsPerRequest: number;
  peakRssMb: number;
}

/** Runs `raw-sender.js` (the drain baseline) against `url`, in `cgroup` if given; resolves with its rate, CPU per request and peak RSS. */
export async function runRawSender(url: string, inFlight: number, durationMs: number, cgroup?: MemoryCgroup): Promise<RawSenderResult> {
  const argv = [process.execPath, fileURLToPath(new URL('./raw-sender.js', import.meta.url)), url, String(inFlight), String(durationMs)];
  const [file, args] = cgroup ? cgroup.command(argv) : [argv[0]!, argv.slice(1)];
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`raw sender exited with ${code}`);
  return JSON.parse(out) as RawSenderResult;
}
