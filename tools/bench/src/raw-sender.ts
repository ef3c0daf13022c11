/**
 * The drain baseline of the service benchmarks: raw `got` POSTs of a post- hook's body from a
 * process of its own, `inFlight` at a time for `durationMs`, with nothing else in the process.
 * Run as `node raw-sender.js <url> <in-flight> <duration-ms>`; prints
 * `{"rate":…,"cpuUsPerRequest":…,"peakRssMb":…}` (requests answered per second, its CPU time per
 * request, and its own `VmHWM`).
 */
import got from 'got';
import { closedLoop, peakRssMb } from './load.js';

const [url, inFlight, durationMs] = process.argv.slice(2);
const body = '{"cluster_id":"x"}';
const cpuBefore = process.cpuUsage();
const { rate, latencies } = await closedLoop(() => got.post(url!, { body, retry: { limit: 0 } }), Number(inFlight), Number(durationMs));
const cpu = process.cpuUsage(cpuBefore);
const cpuUsPerRequest = (cpu.user + cpu.system) / latencies.length;
process.stdout.write(`${JSON.stringify({ rate, cpuUsPerRequest, peakRssMb: await peakRssMb(process.pid) })}\n`);
