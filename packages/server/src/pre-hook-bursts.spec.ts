import { execFile } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type ServiceError, status } from '@grpc/grpc-js';
import { expect } from 'chai';
import { silentLogger } from '@ccx-hook/hook-client';
import { http, type RawIntegrator, startRawIntegrator } from '@ccx-hook/hostile-integrator';
import { DecidedBy } from '@ccx-hook/proto';
import { sleep, until } from '@ccx-hook/test-waits';
import { defaultGrpcLimits } from './start-server.js';
import { type Harness, startHarness } from './testing/grpc-harness.js';

const run = promisify(execFile);
const burstClient = fileURLToPath(new URL('./testing/burst-client.js', import.meta.url));


describe('pre- hooks in bursts (DESIGN §4)', function () {
  this.timeout(30_000);
  let integrator: RawIntegrator;
  let harness: Harness;
  afterEach(async () => {
    await harness.close();
    await integrator.close();
  });

  it('answers 300 calls at once by the policy before their 3 s deadline when the integrator stays silent', async () => {
    integrator = await startRawIntegrator(() => undefined);
    harness = await startHarness({
      integratorUrl: integrator.url,
      logger: silentLogger,
      attemptTimeoutMs: 5_000,
      policy: { budgetMs: 10_000 },
      breaker: { threshold: 100_000, cooldownMs: 60_000 },
    });
    // From a process of its own, as a control plane calls: a client sharing this process would
    // read its answers on the server's loop, busy with the burst, after its own deadline.
    // An answer after the deadline is DEADLINE_EXCEEDED: the client's deadline is the test.
    const { stdout } = await run(process.execPath, [burstClient, String(harness.server.port), '300', '3000']);
    const decidedBy = JSON.parse(stdout) as (number | string)[];
    // The queue allowance per call in flight is a constant (pre-hook-caller.ts, answerCostMs),
    // set to let about 98.5 % of 2,000 answer in time; on a slow machine one of 300 has missed.
    // Without the allowance 263–300 of 300 miss.
    const late = decidedBy.filter((decided) => decided !== DecidedBy.DECIDED_BY_FAILURE_POLICY);
    expect(late.length, `${late.length} of 300 not answered by the policy: ${late.join(', ')}`).to.be.at.most(3);
  });

  it('asks a healthy endpoint within a short deadline while 2,000 calls wait on another, silent one', async function () {
    this.timeout(60_000);
    integrator = await startRawIntegrator(() => undefined);
    const healthy = await startRawIntegrator(http(200, '{"approved":true,"work_id":"w-healthy"}'));
    try {
      harness = await startHarness({
        integratorUrl: integrator.url,
        urls: { 'pre-add-node': `${healthy.url}/pre-add-node` },
        logger: silentLogger,
        attemptTimeoutMs: 50_000,
        policy: { budgetMs: 50_000 },
        // The harness has one connection: let it carry them all.
        limits: { ...defaultGrpcLimits, maxConcurrentStreams: 10_000 },
        breaker: { threshold: 100_000, cooldownMs: 60_000 },
      });
      const stuck = Array.from({ length: 2_000 }, (_, n) => harness.call('pre-create-cluster', { clusterId: `slow-${n}` }, 50_000).catch(() => undefined));
      await until(() => integrator.requests >= 2_000, 'all 2,000 slow calls at the integrator', 15_000);
      // 2,000 calls in flight at 0.5 ms each would leave a 1 s deadline nothing, if they counted.
      for (let n = 0; n < 5; n++) {
        const answer = await harness.call('pre-add-node', { clusterId: `fast-${n}` }, 1_000);
        expect(answer, `call ${n}`).to.include({ approved: true, workId: 'w-healthy', decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR });
      }
      await harness.server.shutdown(0);
      await Promise.all(stuck);
    } finally {
      await healthy.close();
    }
  });

  it('ends the integrator requests of calls still waiting when the grace period is over', async () => {
    let ended = 0;
    integrator = await startRawIntegrator((socket) => socket.once('close', () => ended++));
    harness = await startHarness({
      integratorUrl: integrator.url,
      logger: silentLogger,
      attemptTimeoutMs: 10_000,
      policy: { budgetMs: 10_000 },
      breaker: { threshold: 100_000, cooldownMs: 60_000 },
    });
    const calls = Array.from({ length: 20 }, (_, n) => harness.call('pre-add-node', { clusterId: `c${n}` }, 20_000).catch((error: ServiceError) => error.code));
    await until(() => integrator.requests >= 20, 'the 20 calls at the integrator');
    await harness.server.shutdown(200);
    await until(() => ended === 20, 'the 20 integrator requests ended within a second of the shutdown', 1_000);
    await Promise.all(calls);
  });

  it('makes no integrator call for 300 calls after they are cancelled', async () => {
    integrator = await startRawIntegrator(() => undefined);
    harness = await startHarness({
      integratorUrl: integrator.url,
      logger: silentLogger,
      attemptTimeoutMs: 200,
      policy: { budgetMs: 10_000, attempts: 10 },
      breaker: { threshold: 100_000, cooldownMs: 60_000 },
    });
    const cancel = new AbortController();
    setMaxListeners(300, cancel.signal);
    const calls = Array.from({ length: 300 }, (_, n) =>
      harness.call('pre-add-node', { clusterId: `c${n}` }, 10_000, cancel.signal).catch((error: ServiceError) => error.code),
    );
    await until(() => integrator.requests >= 300, 'every call asks the integrator');
    cancel.abort();
    expect(new Set(await Promise.all(calls))).to.deep.equal(new Set([status.CANCELLED]));
    // The server has read the cancellations (it may still be busy with the burst) once every
    // outbound request is torn down; without them, each call would retry every 200 ms.
    await until(() => integrator.connections === 0, 'every integrator request ended, long before the calls\' 10 s deadline', 5_000);
    const atCancel = integrator.requests;
    await sleep(1_000); // the window in which no request may come: the behaviour
    expect(integrator.requests - atCancel, 'integrator requests after the cancellation').to.equal(0);
  });
});
