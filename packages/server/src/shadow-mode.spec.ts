import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { CircuitBreaker, HookClient, hookNames, type Logger, silentLogger } from '@ccx-hook/hook-client';
import { type IncomingHook, type MockAnswer, type MockHooks, startMockHooks } from '@ccx-hook/mock-hooks';
import { DecidedBy, HookServiceClient, PreAddNodeRequest, type PreAddNodeResponse } from '@ccx-hook/proto';
import type { CallOutcome } from './call-observer.js';
import type { DecisionRecord } from './decision-observer.js';
import type { HooksSettings } from './hook-settings.js';
import { type RunningServer, startServer } from './start-server.js';
import { temporaryStore } from './testing/temporary-store.js';

describe('shadow mode (DESIGN §4a)', () => {
  let receiver: MockHooks | undefined;
  let server: RunningServer;
  let client: HookServiceClient;
  let store: Awaited<ReturnType<typeof temporaryStore>>;
  let seen: IncomingHook[];
  let outcomes: CallOutcome[];
  let records: DecisionRecord[];
  let warnings: string[];
  const logger: Logger = { ...silentLogger, warn: (message, meta) => warnings.push(`${message} ${JSON.stringify(meta)}`) };

  async function start(mode: 'enforce' | 'shadow', url: string) {
    const hooks = Object.fromEntries(
      hookNames.map((hook) => [hook, { url: `${url}/${hook}`, failurePolicy: 'fail-closed', timeoutMs: 300, mode }]),
    ) as unknown as HooksSettings;
    store = await temporaryStore();
    server = await startServer({
      address: '127.0.0.1:0',
      hooks,
      preHooks: { budgetMs: 1_000, attempts: 2, deadlineMarginMs: 100, rejectionMessage: 'could not check' },
      breaker: new CircuitBreaker({ threshold: 100, cooldownMs: 60_000 }),
      client: new HookClient(),
      store: store.store,
      logger,
      observer: { called: (_hook, outcome) => outcomes.push(outcome) },
      decisions: { decided: (record) => records.push(record) },
    });
    client = new HookServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  }
  const integrator = async (respond: (hook: IncomingHook) => MockAnswer) =>
    (receiver = await startMockHooks({ port: 0, respond: (hook) => (seen.push(hook), respond(hook)) })).url;
  const preAddNode = () =>
    new Promise<PreAddNodeResponse>((resolve, reject) =>
      client.preAddNode(PreAddNodeRequest.fromPartial({ clusterId: 'c1', nodeCount: 1 }), new Metadata(), { deadline: Date.now() + 5_000 }, (error: ServiceError | null, response) =>
        error ? reject(error) : resolve(response),
      ),
    );

  beforeEach(() => {
    [seen, outcomes, records, warnings] = [[], [], [], []];
  });
  afterEach(async () => {
    client.close();
    await server.shutdown(1_000);
    await receiver?.close();
    receiver = undefined;
    await store.remove();
  });

  it('asks the integrator with ccx-hook-mode: shadow, approves what it rejects, and shows what it said', async () => {
    await start('shadow', await integrator(() => ({ status: 200, body: { approved: false, work_id: 'w1', reason: 'over quota' } })));
    expect(await preAddNode()).to.deep.include({ approved: true, workId: 'w1', reason: '', decidedBy: DecidedBy.DECIDED_BY_SHADOW_MODE });
    expect(seen.map((hook) => hook.headers['ccx-hook-mode'])).to.deep.equal(['shadow']);
    expect(outcomes).to.deep.equal(['shadow_rejected']);
    expect(records).to.have.length(1);
    expect(records[0]).to.include({ approved: false, decidedBy: 'integrator', reason: 'over quota', shadow: true });
    expect(warnings.filter((line) => line.startsWith('shadow: would have rejected'))).to.have.length(1);
    expect(warnings[0]).to.include('over quota');
  });

  it('approves when the integrator is down, no later than enforce answers, and counts it as shadow_failed', async () => {
    const down = 'http://127.0.0.1:1';
    await start('enforce', down);
    let started = performance.now();
    expect(await preAddNode()).to.deep.include({ approved: false, decidedBy: DecidedBy.DECIDED_BY_FAILURE_POLICY });
    const enforceMs = performance.now() - started;
    client.close();
    await server.shutdown(1_000);
    await store.remove();

    await start('shadow', down);
    started = performance.now();
    expect(await preAddNode()).to.deep.include({ approved: true, decidedBy: DecidedBy.DECIDED_BY_SHADOW_MODE });
    const shadowMs = performance.now() - started;
    expect(outcomes).to.deep.equal(['failure_policy_rejected', 'shadow_failed']);
    expect(records.at(-1)).to.include({ approved: false, decidedBy: 'failure_policy', shadow: true });
    // Both ask the same way under the same budget: shadow waits no longer (with a margin for a busy machine).
    expect(shadowMs, `shadow ${shadowMs.toFixed(0)} ms, enforce ${enforceMs.toFixed(0)} ms`).to.be.below(enforceMs + 250);
  });

  it('leaves enforce as it was: no ccx-hook-mode header, and the rejection stands', async () => {
    await start('enforce', await integrator(() => ({ status: 200, body: { approved: false, reason: 'over quota' } })));
    expect(await preAddNode()).to.deep.include({ approved: false, reason: 'over quota', decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR });
    expect(seen[0]!.headers).not.to.have.property('ccx-hook-mode');
    expect(records[0]).not.to.have.property('shadow');
  });
});
