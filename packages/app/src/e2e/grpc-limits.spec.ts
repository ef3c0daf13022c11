import { connect, constants } from 'node:http2';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { sleep, until } from '@ccx-hook/test-waits';
import { callHook } from '@ccx-hook/cli';
import { PreAddNodeRequest } from '@ccx-hook/proto';
import { type CliProcess, startService } from './cli-process.js';

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** Resolves once the process's RSS stops growing: under 1 MB between two reads 250 ms apart. */
async function settled(pid: number, what: string): Promise<void> {
  let last = rssMb(pid);
  await until(() => {
    const now = rssMb(pid);
    const steady = Math.abs(now - last) < 1;
    last = now;
    return steady;
  }, what, 10_000, 250);
}

/** One gRPC request frame (not compressed, length-prefixed) of PreAddNode. */
function frame(clusterId: string): Buffer {
  const message = Buffer.from(PreAddNodeRequest.encode(PreAddNodeRequest.fromPartial({ clusterId })).finish());
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

describe('end to end: gRPC clients cannot exhaust the server (DESIGN §2)', function () {
  this.timeout(90_000);
  let dir: string;
  const processes: CliProcess[] = [];
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-grpc-limits-'))));
  afterEach(async () => {
    for (const running of processes.splice(0)) await running.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('bounds what a client that never reads can hold, and other clients are unaffected', async () => {
    // pre-add-node disabled: every call is answered at once, so only the replies pile up.
    const { service, port } = await startService({
      CCX_HOOK_HOOKS_URL: 'http://127.0.0.1:1',
      CCX_HOOK_HOOKS_PRE_ADD_NODE_ENABLED: 'false',
      CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'd.db')}`,
    });
    processes.push(service);
    const { pid } = service;
    // The delivery thread starts after the start line (DESIGN §5c): its memory is not the flood's.
    await settled(pid, 'the started service\'s memory settles');
    const before = rssMb(pid);
    // A window of 0: the server may send headers, never a byte of any reply.
    const session = connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 0 } });
    session.on('error', () => undefined);
    let opened = 0;
    let refused = 0;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && opened + refused < 30_000) {
      for (let n = 0; n < 500; n++) {
        const stream = session.request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: '/ccx.hook.v1.HookService/PreAddNode',
          'content-type': 'application/grpc',
          te: 'trailers',
        });
        stream.on('error', () => refused++);
        stream.end(frame(`c${opened}`));
        opened++;
      }
      await sleep(50); // the flood comes in batches of 500, as from a real client: the behaviour
    }
    // The server has taken in what was sent once its memory stops growing.
    await settled(pid, 'the server\'s memory settles');
    const grown = rssMb(pid) - before;
    const other = await callHook({ address: `127.0.0.1:${port}`, hook: 'pre-add-node', json: '{"clusterId":"other"}', timeoutMs: 2_000 });
    expect(other).to.include({ approved: true, decidedBy: 'DECIDED_BY_HOOK_DISABLED' });
    session.destroy();
    // Bounded, the flood costs 40–50 MB (session memory, 1,000 calls in flight, heap slack): 9.8
    // MB after 500 calls, 41.6 after 5,000, 50.1 after 30,000. Without the limits it costs 224 MB.
    expect(grown, `RSS grew ${grown.toFixed(1)} MB with ${opened} requests sent, ${refused} refused`).to.be.below(100);
  });
});
