import { readFile } from 'node:fs/promises';

/** One request: resolves when it is answered. */
export type Request = () => Promise<unknown>;

/** `inFlight` requests at a time for `durationMs`: the rate (per second) and every latency (ms). */
export async function closedLoop(request: Request, inFlight: number, durationMs: number): Promise<{ rate: number; latencies: number[] }> {
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const sent = performance.now();
        await request();
        latencies.push(performance.now() - sent);
      }
    }),
  );
  return { rate: latencies.length / ((performance.now() - started) / 1000), latencies };
}

/**
 * `perSecond` requests a second for `durationMs`, each sent on schedule whatever the others
 * do (an open loop, so a slow answer cannot slow the load down): every latency (ms).
 */
export async function openLoop(request: Request, perSecond: number, durationMs: number): Promise<number[]> {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let n = 0; n < (perSecond * durationMs) / 1000; n++) {
    const due = started + (n * 1000) / perSecond;
    // A timer may fire up to a millisecond early (libuv counts whole milliseconds from the
    // start of the loop's turn): sent early, a request would look that much faster.
    while (performance.now() < due) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
    pending.push(request().then(() => void latencies.push(performance.now() - due)));
  }
  await Promise.all(pending);
  return latencies;
}

/** The peak resident set of process `pid` so far, in MB (Linux `VmHWM`). */
export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** CPU time process `pid` has used so far (user and system, all threads), in ms (Linux `/proc/<pid>/stat`). */
export async function cpuTimeMs(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

/**
 * CPU time of the whole machine so far (Linux `/proc/stat`, in clock ticks): all of it, and the
 * busy part — everything but idle and I/O wait, including steal (time the hypervisor gave to others).
 */
export async function machineCpu(): Promise<{ busy: number; total: number }> {
  const ticks = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, value) => sum + value, 0);
  return { busy: total - ticks[3]! - ticks[4]!, total };
}

/** Linux's `USER_HZ`: the unit of the times in `/proc/<pid>/stat`, 100 on every common build. */
const clockTicks = 100;
