import { expect } from 'chai';
import { type Logger, silentLogger } from '@ccx-hook/hook-client';
import { hostileReplies, http, type RawIntegrator, startRawIntegrator } from '@ccx-hook/hostile-integrator';
import { DecidedBy } from '@ccx-hook/proto';
import { sleep, until } from '@ccx-hook/test-waits';
import { type Harness, startHarness } from './testing/grpc-harness.js';
import { temporaryStore } from './testing/temporary-store.js';

interface Outcome {
  name: string;
  decidedBy: unknown;
  approved: unknown;
  answeredInMs: number;
  causes: string[];
  recovered: unknown;
  /** Connections to the integrator still open once the call after it was answered. */
  leftOpen: number;
}

const deadlineMs = 2_000;
const approve = '{"approved":true,"work_id":"w-ok"}';

describe('pre- hooks against hostile integrators (DESIGN §3, §4)', function () {
  this.timeout(60_000);
  const outcomes: Outcome[] = [];
  let shared: Awaited<ReturnType<typeof temporaryStore>>;

  // Every case at once, each with an integrator (an origin, so a breaker) of its own, all on one store.
  before(async () => {
    shared = await temporaryStore();
    outcomes.push(
      ...(await Promise.all(
        hostileReplies.map(async ({ name, reply }) => {
          const causes: string[] = [];
          const logger: Logger = { ...silentLogger, warn: (message, meta) => causes.push(`${message}: ${String(meta?.cause)}`) };
          const integrator: RawIntegrator = await startRawIntegrator(reply);
          const harness: Harness = await startHarness({ integratorUrl: integrator.url, logger, store: shared.store });
          try {
            const started = performance.now();
            const answer = await harness.call('pre-add-node', { clusterId: 'c1', nodeCount: 1, authId: 'session' }, deadlineMs);
            const answeredInMs = performance.now() - started;
            integrator.answer(http(200, approve));
            const recovered = await harness.call('pre-add-node', { clusterId: 'c1', nodeCount: 1 }, deadlineMs);
            // The integrator closes after a complete reply; every other connection is the client's to end.
            const leftOpen = await until(() => integrator.connections === 0, 'no connection left open', 2_000).then(
              () => 0,
              () => integrator.connections,
            );
            return { name, decidedBy: answer.decidedBy, approved: answer.approved, answeredInMs, causes, recovered: recovered.workId, leftOpen };
          } finally {
            await harness.close();
            await integrator.close();
          }
        }),
      )),
    );
    process.stdout.write(`      hostile replies: ${outcomes.length} distinct, each answered by the failure policy\n`);
  });

  after(() => shared.remove());


  for (const { name } of hostileReplies) {
    it(`answers "${name}" by the fail-closed policy before the deadline, logs the cause once, and recovers`, () => {
      const outcome = outcomes.find((candidate) => candidate.name === name)!;
      expect([outcome.decidedBy, outcome.approved]).to.deep.equal([DecidedBy.DECIDED_BY_FAILURE_POLICY, false]);
      expect(outcome.answeredInMs).to.be.below(deadlineMs - 50);
      expect(outcome.causes).to.have.length(1);
      expect(outcome.recovered, 'the next valid answer is taken').to.equal('w-ok');
    });
  }

  it('leaves no connection open to any of them: a reply cut off is a connection ended', () => {
    const open = outcomes.filter((outcome) => outcome.leftOpen > 0).map(({ name, leftOpen }) => `${name}: ${leftOpen}`);
    expect(open).to.deep.equal([]);
  });
});

describe('pre- hooks: replies that are answers, and the breaker', function () {
  this.timeout(20_000);
  let integrator: RawIntegrator;
  let harness: Harness;
  afterEach(async () => {
    await harness.close();
    await integrator.close();
  });

  it('takes a 204 to pre-remove-node as the integrator\'s answer, and never opens the breaker with it', async () => {
    integrator = await startRawIntegrator(http(204));
    harness = await startHarness({ integratorUrl: integrator.url, logger: silentLogger, breaker: { threshold: 2, cooldownMs: 60_000 } });
    for (let n = 0; n < 5; n++) {
      expect(await harness.call('pre-remove-node', { clusterId: 'c1', nodeId: 'n1' })).to.deep.include({
        workId: '',
        decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR,
      });
    }
    integrator.answer(http(200, approve));
    expect(await harness.call('pre-add-node', { clusterId: 'c1' })).to.deep.include({ decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR });
  });

  it('answers by the policy in about a second when the integrator refuses connections, with a 10 s deadline', async () => {
    integrator = await startRawIntegrator(http(200, approve));
    const url = integrator.url;
    await integrator.close();
    harness = await startHarness({ integratorUrl: url, logger: silentLogger, attemptTimeoutMs: 5_000, policy: { budgetMs: 10_000 } });
    const started = performance.now();
    const answer = await harness.call('pre-add-node', { clusterId: 'c1' }, 10_000);
    expect(answer).to.deep.include({ approved: false, decidedBy: DecidedBy.DECIDED_BY_FAILURE_POLICY });
    expect(performance.now() - started).to.be.below(1_500);
  });

  it('opens the breaker for a dripping integrator, and closes it again once the integrator recovers', async () => {
    integrator = await startRawIntegrator(hostileReplies.find((hostile) => hostile.name.startsWith('body drips'))!.reply);
    harness = await startHarness({ integratorUrl: integrator.url, logger: silentLogger, breaker: { threshold: 2, cooldownMs: 1_000 } });
    await harness.call('pre-add-node', { clusterId: 'c1' });
    const requests = integrator.requests;
    const started = performance.now();
    expect(await harness.call('pre-add-node', { clusterId: 'c1' })).to.deep.include({ decidedBy: DecidedBy.DECIDED_BY_FAILURE_POLICY });
    expect(performance.now() - started, 'an open circuit answers at once').to.be.below(100);
    expect(integrator.requests, 'an open circuit asks no one').to.equal(requests);
    integrator.answer(http(200, approve));
    // The cooldown is long enough that a slow machine does not reach it between the two calls above.
    await sleep(1_050); // the breaker's cooldown (1 s) passes: the behaviour
    expect(await harness.call('pre-add-node', { clusterId: 'c1' })).to.deep.include({ workId: 'w-ok', decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR });
    expect(await harness.call('pre-add-node', { clusterId: 'c1' })).to.deep.include({ decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR });
  });
});
