import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { expect } from 'chai';
import { type DeliveryStore, openStore } from '@ccx-hook/delivery';
import { CircuitBreaker, HookClient, type HookName, hookNames, type Logger, silentLogger } from '@ccx-hook/hook-client';
import { type IncomingHook, type MockAnswer, type MockHooks, startMockHooks } from '@ccx-hook/mock-hooks';
import * as proto from '@ccx-hook/proto';
import { DecidedBy, HookServiceClient } from '@ccx-hook/proto';
import { sleep, until } from '@ccx-hook/test-waits';
import type { HookSettings, HooksSettings } from './hook-settings.js';
import { type RunningServer, startServer } from './start-server.js';

const rejection = 'could not check';

type Respond = (hook: IncomingHook) => MockAnswer | undefined;

describe('HookService over gRPC', () => {
  let dir: string;
  let store: DeliveryStore;
  let receiver: MockHooks;
  let server: RunningServer;
  let client: HookServiceClient;
  let breaker: CircuitBreaker;

  async function start(
    options: { respond?: Respond; hook?: Partial<HookSettings>; budgetMs?: number; threshold?: number; url?: string | null; logger?: Logger } = {},
  ) {
    receiver = await startMockHooks({ port: 0, respond: options.respond });
    const base = options.url === null ? undefined : options.url ?? receiver.url;
    const hooks = Object.fromEntries(
      hookNames.map((hook) => [
        hook,
        { url: base && `${base}/${hook}`, failurePolicy: 'fail-closed', timeoutMs: 300, ...options.hook },
      ]),
    ) as unknown as HooksSettings;
    breaker = new CircuitBreaker({ threshold: options.threshold ?? 100, cooldownMs: 60_000 });
    server = await startServer({
      address: '127.0.0.1:0',
      hooks,
      preHooks: { budgetMs: options.budgetMs ?? 600, attempts: 3, deadlineMarginMs: 100, rejectionMessage: rejection },
      breaker,
      client: new HookClient(),
      store,
      logger: options.logger ?? silentLogger,
    });
    client = new HookServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  }

  function call(hook: HookName, request: object, options: { deadlineMs?: number; metadata?: Metadata } = {}) {
    const method = hook.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
    const codec = (proto as unknown as Record<string, { fromPartial(o: object): object }>)[
      `${method[0]!.toUpperCase()}${method.slice(1)}Request`
    ]!;
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      (client as unknown as Record<string, Function>)[method]!.call(
        client,
        codec.fromPartial(request),
        options.metadata ?? new Metadata(),
        { deadline: Date.now() + (options.deadlineMs ?? 10_000) },
        (error: ServiceError | null, response: Record<string, unknown>) => (error ? reject(error) : resolve(response)),
      );
    });
  }

  async function callError(hook: HookName, request: object): Promise<ServiceError> {
    try {
      await call(hook, request);
    } catch (error) {
      return error as ServiceError;
    }
    throw new Error('expected the call to fail');
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccx-server-'));
    store = await openStore(`sqlite:${join(dir, 'deliveries.db')}`);
  });
  afterEach(async () => {
    client.close();
    await server.shutdown(1000);
    await receiver.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('pre- hooks', () => {
    it('maps the integrator\'s approval of pre-create-cluster into the response', async () => {
      await start({
        respond: () => ({
          status: 200,
          body: { approved: true, work_id: 'w1', user_id: 'u1', project_id: 'p1', organisation_id: 'o1', other: 'x' },
        }),
      });
      const response = await call('pre-create-cluster', { clusterId: 'c1', nodeCount: 3, authId: 'secret-session' });
      expect(response).to.deep.equal({
        approved: true,
        workId: 'w1',
        userId: 'u1',
        projectId: 'p1',
        organisationId: 'o1',
        reason: '',
        decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR,
      });
    });

    it('carries x-request-id and traceparent to the integrator and into the log line, and drops malformed ones', async () => {
      const lines: Array<Record<string, unknown>> = [];
      const logger = { ...silentLogger, info: (message: string, meta?: Record<string, unknown>) => lines.push({ message, ...meta }) };
      await start({ logger });
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      const metadata = new Metadata();
      metadata.set('x-request-id', 'req-42');
      metadata.set('traceparent', traceparent);
      metadata.set('webhook-id', 'msg_forged');
      await call('pre-add-node', { clusterId: 'c1', nodeCount: 1 }, { metadata });
      const malformed = new Metadata();
      malformed.set('x-request-id', 'has space');
      malformed.set('traceparent', '00-00000000000000000000000000000000-00f067aa0ba902b7-01');
      await call('pre-add-node', { clusterId: 'c2', nodeCount: 1 }, { metadata: malformed });
      const [first, second] = receiver.received;
      expect([first!.headers['x-request-id'], first!.headers.traceparent]).to.deep.equal(['req-42', traceparent]);
      expect(first!.headers['webhook-id']).to.match(/^msg_/).and.not.equal('msg_forged');
      expect([second!.headers['x-request-id'], second!.headers.traceparent]).to.deep.equal([undefined, undefined]);
      const decided = lines.filter((line) => line.message === 'pre- hook decided by the integrator');
      expect(decided.map((line) => [line.request_id, line.trace_id])).to.deep.equal([
        ['req-42', '4bf92f3577b34da6a3ce929d0e0e4736'],
        [undefined, undefined],
      ]);
      expect(decided[0]!.webhook_id).to.equal(first!.headers['webhook-id']);
    });

    it('passes a rejection and its reason through', async () => {
      await start({ respond: () => ({ status: 200, body: { approved: false, reason: 'quota exceeded' } }) });
      const response = await call('pre-add-node', { clusterId: 'c1', nodeCount: 1 });
      expect(response).to.deep.include({ approved: false, reason: 'quota exceeded', decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR });
    });

    const failures: Array<[string, MockAnswer]> = [
      ['an HTTP 500', { status: 500 }],
      ['a timeout', { status: 200, body: { approved: true }, delayMs: 1000 }],
      ['a body that is not JSON', { status: 200, body: 'approved' }],
      ['a reply without approved', { status: 200, body: { work_id: 'w' } }],
      ['a non-boolean approved', { status: 200, body: { approved: 'true' } }],
      ['a body over 64 KiB', { status: 200, body: { approved: true, pad: 'x'.repeat(65 * 1024) } }],
      ['a redirect', { status: 307, headers: { location: 'http://127.0.0.1:1/' } }],
    ];
    for (const [kind, answer] of failures) {
      it(`answers ${kind} with the fail-closed policy`, async () => {
        await start({ respond: () => answer });
        const response = await call('pre-add-node', { clusterId: 'c1' });
        expect(response).to.deep.equal({
          approved: false,
          workId: '',
          reason: rejection,
          decidedBy: DecidedBy.DECIDED_BY_FAILURE_POLICY,
        });
      });
    }

    it('answers a refused connection with the fail-closed policy', async () => {
      await start({ url: 'http://127.0.0.1:1' });
      const response = await call('pre-create-cluster', { clusterId: 'c1' });
      expect(response).to.deep.include({ approved: false, reason: rejection, decidedBy: DecidedBy.DECIDED_BY_FAILURE_POLICY });
    });

    it('retries a failed attempt within the budget with the same webhook-id', async () => {
      await start({ respond: (hook) => (hook.headers['ccx-hook-attempt'] === '1' ? { status: 502 } : undefined) });
      const response = await call('pre-add-node', { clusterId: 'c1' });
      expect(response).to.deep.include({ approved: true, decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR });
      expect(receiver.received.map((hook) => hook.headers['ccx-hook-attempt'])).to.deep.equal(['1', '2']);
      expect(receiver.received[0]!.headers['webhook-id']).to.equal(receiver.received[1]!.headers['webhook-id']);
    });

    it('approves with fail-open', async () => {
      await start({ respond: () => ({ status: 500 }), hook: { failurePolicy: 'fail-open' } });
      const response = await call('pre-create-cluster', { clusterId: 'c1' });
      expect(response).to.deep.include({ approved: true, workId: '', reason: '', decidedBy: DecidedBy.DECIDED_BY_FAILURE_POLICY });
    });

    it('never blocks pre-remove-node and pre-delete-cluster, even with fail-closed', async () => {
      await start({ respond: () => ({ status: 500 }) });
      expect(await call('pre-remove-node', { clusterId: 'c1', nodeId: 'n1' })).to.deep.equal({
        workId: '',
        decidedBy: DecidedBy.DECIDED_BY_FAILURE_POLICY,
      });
      expect(await call('pre-delete-cluster', { clusterId: 'c1' })).to.deep.equal({
        workId: '',
        decidedBy: DecidedBy.DECIDED_BY_FAILURE_POLICY,
      });
    });

    it('ignores approved=false from pre-remove-node and keeps its work_id', async () => {
      await start({ respond: () => ({ status: 200, body: { approved: false, work_id: 'w9' } }) });
      expect(await call('pre-remove-node', { clusterId: 'c1', nodeId: 'n1' })).to.deep.equal({
        workId: 'w9',
        decidedBy: DecidedBy.DECIDED_BY_INTEGRATOR,
      });
    });

    it('answers before a 1 s caller deadline when the integrator takes 3 s', async () => {
      await start({ respond: () => ({ status: 200, body: { approved: true }, delayMs: 3000 }), hook: { timeoutMs: 5000 }, budgetMs: 10_000 });
      const started = Date.now();
      const response = await call('pre-add-node', { clusterId: 'c1' }, { deadlineMs: 1000 });
      expect(Date.now() - started).to.be.below(1000);
      expect(response).to.deep.include({ approved: false, decidedBy: DecidedBy.DECIDED_BY_FAILURE_POLICY });
    });

    it('fails fast once the circuit breaker opens for a down integrator', async () => {
      // Counted as they arrive: the mock records a hook only once it has answered it.
      let arrived = 0;
      const respond = () => {
        arrived++;
        return { status: 200, body: { approved: true }, delayMs: 2000 };
      };
      // Attempts end by their own 300 ms timeout (what the breaker counts), well within the budget.
      await start({ respond, threshold: 2, budgetMs: 1_000 });
      for (let i = 0; i < 2; i++) await call('pre-add-node', { clusterId: 'c1' });
      const seen = arrived;
      expect(seen).to.be.at.least(2);
      // The circuit is the integrator's URL origin: what /metrics and the console report.
      expect(breaker.isOpen(receiver.url)).to.equal(true);
      const started = performance.now();
      const response = await call('pre-add-node', { clusterId: 'c1' });
      expect(performance.now() - started).to.be.below(100);
      expect(response).to.deep.include({ approved: false, decidedBy: DecidedBy.DECIDED_BY_FAILURE_POLICY });
      await sleep(50); // a window in which no request may come: the behaviour
      expect(arrived, 'no request while the circuit is open').to.equal(seen);
    });

    it('approves with DECIDED_BY_HOOK_DISABLED when no URL is configured', async () => {
      await start({ url: null });
      expect(await call('pre-add-node', { clusterId: 'c1' })).to.deep.include({
        approved: true,
        decidedBy: DecidedBy.DECIDED_BY_HOOK_DISABLED,
      });
      expect(await call('post-add-node', { clusterId: 'c1' })).to.deep.equal({ deliveryId: '' });
    });
  });

  describe('shutdown', () => {
    it('answers the calls in flight and refuses new ones with UNAVAILABLE', async () => {
      let arrived = false;
      await start({
        respond: () => {
          arrived = true;
          return { status: 200, body: { approved: true, work_id: 'slow' }, delayMs: 300 };
        },
        hook: { timeoutMs: 2000 },
        budgetMs: 3000,
      });
      const inFlight = call('pre-add-node', { clusterId: 'c1' });
      await until(() => arrived, 'the call reaches the integrator');
      const stopping = server.shutdown(5000);
      const refused = await callError('pre-add-node', { clusterId: 'c2' });
      expect(refused.code).to.equal(status.UNAVAILABLE);
      expect(await inFlight).to.deep.include({ approved: true, workId: 'slow' });
      await stopping;
    });
  });

  describe('post- hooks', () => {
    it('answers with the delivery id once the delivery is stored', async () => {
      await start();
      const response = await call('post-create-cluster', { clusterId: 'c1', nodeIds: ['n1'], clusterStatus: 'ok' });
      const stored = await store.get(String(response.deliveryId));
      expect(stored).to.include({ hook: 'post-create-cluster', clusterId: 'c1', status: 'pending' });
      expect(JSON.parse(stored!.payload)).to.include({ cluster_id: 'c1', cluster_status: 'ok' });
    });

    it('returns the first delivery id for a repeated idempotency-key', async () => {
      await start();
      const metadata = new Metadata();
      metadata.set('idempotency-key', 'k-1');
      const first = await call('post-delete-cluster', { clusterId: 'c1' }, { metadata });
      const again = await call('post-delete-cluster', { clusterId: 'c1' }, { metadata });
      expect(again.deliveryId).to.equal(first.deliveryId);
    });

    it('fails with UNAVAILABLE, not OK, when the store cannot take the delivery', async () => {
      await start();
      // The store's file is removed under it: its next commit fails (it never writes into a lost inode).
      rmSync(join(dir, 'deliveries.db'));
      const error = await callError('post-add-node', { clusterId: 'c1' });
      expect([error.code, error.details]).to.deep.equal([status.UNAVAILABLE, 'the delivery could not be stored; retry the call']);
    });
  });

  describe('input limits', () => {
    const cases: Array<[HookName, object, string]> = [
      ['pre-add-node', {}, 'cluster_id'],
      ['post-remove-node', { clusterId: 'c1' }, 'node_id'],
      ['pre-create-cluster', { clusterId: 'c1', clusterName: 'n'.repeat(257) }, 'cluster_name'],
      ['pre-create-cluster', { clusterId: 'c1', authId: 'a'.repeat(8193) }, 'auth_id'],
      ['pre-add-node', { clusterId: 'c1', nodeCount: 1001 }, 'node_count'],
      ['post-add-node', { clusterId: 'c1', nodeIds: Array.from({ length: 1025 }, () => 'n') }, 'node_ids'],
      ['post-create-cluster', { clusterId: 'c1', workId: 'w'.repeat(257) }, 'work_id'],
    ];
    for (const [hook, request, field] of cases) {
      it(`refuses ${field} out of bounds on ${hook} with INVALID_ARGUMENT naming it`, async () => {
        await start();
        const error = await callError(hook, request);
        expect(error.code).to.equal(status.INVALID_ARGUMENT);
        expect(error.details).to.match(new RegExp(`^${field.replace(/[[\]]/g, '\\$&')}\\b`));
        expect(receiver.received).to.have.length(0);
      });
    }

    it('refuses a message over 1 MiB', async () => {
      await start();
      const error = await callError('post-add-node', { clusterId: 'c1', nodeIds: Array.from({ length: 1000 }, () => 'x'.repeat(1100)) });
      expect(error.code).to.equal(status.RESOURCE_EXHAUSTED);
    });

    it('refuses an over-long idempotency-key', async () => {
      await start();
      const metadata = new Metadata();
      metadata.set('idempotency-key', 'k'.repeat(257));
      try {
        await call('post-add-node', { clusterId: 'c1' }, { metadata });
        expect.fail('the call must fail');
      } catch (error) {
        expect((error as ServiceError).code).to.equal(status.INVALID_ARGUMENT);
        expect((error as ServiceError).details).to.match(/^idempotency-key/);
      }
    });
  });
});
