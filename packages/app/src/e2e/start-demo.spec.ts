import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { CliProcess, runCli, workspaceRoot } from './cli-process.js';

const demo = [process.execPath, join(workspaceRoot, 'tools/ccx-hook/dist/start-demo.js')];
const freePorts = { CCX_HOOK_GRPC_ADDRESS: '127.0.0.1:0', CCX_HOOK_HTTP_ADDRESS: '127.0.0.1:0', CCX_HOOK_CONSOLE_ADDRESS: '127.0.0.1:0', MOCK_HOOKS_PORT: '0' };

describe('end to end: npm start (the demo)', function () {
  this.timeout(30_000);
  let dir: string;
  let taken: Server;
  let takenPort: number;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-demo-'));
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as AddressInfo).port;
  });
  afterEach(() => {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs on the ports of its environment, and its printed example calls the service as pasted', async () => {
    const started = new CliProcess([], freePorts, dir, demo);
    try {
      const example = (await started.waitFor(/^ {2}npx ccx-hook test-client add_node/)).trim();
      const address = /--address (\S+)$/.exec(example)![1]!;
      expect(started.lines.join('\n')).to.include(`The service listens on ${address} and calls the mock receiver at http://127.0.0.1:`);
      // As pasted, but with the bin in place of npx (the shell's quoting undone by hand).
      const json = /'(\{.*\})'/.exec(example)![1]!;
      const called = await runCli(['test-client', 'add_node', json, '--address', address]);
      expect(called.code, called.stderr).to.equal(0);
      expect(JSON.parse(called.stdout)).to.include({ approved: true });
      await started.waitFor(/pre-add-node/);
      expect(await started.stop('SIGINT')).to.equal(0);
    } finally {
      await started.stop();
    }
  });

  it('says which port the mock could not take and which variable moves it', async () => {
    const result = new CliProcess([], { ...freePorts, MOCK_HOOKS_PORT: String(takenPort) }, dir, demo);
    expect(await result.exited).to.equal(1);
    const stderr = result.stderr.join('\n');
    expect(stderr).to.include(`mock-hooks cannot listen on 127.0.0.1:${takenPort} (--host, --port): listen EADDRINUSE`);
    expect(stderr).to.include(`npm start: the mock receiver stopped; the demo's ports come from MOCK_HOOKS_PORT (the mock receiver, now ${takenPort})`);
  });

  it('names grpc.address and its variable when the service cannot take its port', async () => {
    const result = new CliProcess([], { ...freePorts, CCX_HOOK_GRPC_ADDRESS: `127.0.0.1:${takenPort}` }, dir, demo);
    expect(await result.exited).to.equal(1);
    const stderr = result.stderr.join('\n');
    expect(stderr).to.include(`cannot listen on 127.0.0.1:${takenPort} (grpc.address): listen EADDRINUSE`);
    expect(stderr).to.include(`npm start: the service stopped; the demo's ports come from MOCK_HOOKS_PORT`).and.include(`CCX_HOOK_GRPC_ADDRESS (now 127.0.0.1:${takenPort})`);
  });
});
