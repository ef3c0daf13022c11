import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { CircuitBreaker, HookClient, hookNames, silentLogger } from '@ccx-hook/hook-client';
import type { DecisionRecord } from './decision-observer.js';
import { PreHookCaller } from './pre-hook-caller.js';
import type { HooksSettings } from './hook-settings.js';

describe('PreHookCaller decisions', () => {
  let receiver: Server;
  let base: string;
  let replies: Array<[number, object]>;

  before(async () => {
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const [statusCode, body] = replies.shift() ?? [200, { approved: true }];
        response.writeHead(statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  after(() => receiver.close());

  const decide = async (urls: Partial<Record<string, string>>, hook: 'pre-add-node' | 'pre-create-cluster') => {
    const hooks = Object.fromEntries(
      hookNames.map((name) => [name, { url: urls[name] ?? '', failurePolicy: 'fail-closed', timeoutMs: 500 }]),
    ) as unknown as HooksSettings;
    const records: DecisionRecord[] = [];
    const caller = new PreHookCaller({
      client: new HookClient(),
      breaker: new CircuitBreaker(),
      hooks,
      policy: { budgetMs: 2_000, attempts: 3, deadlineMarginMs: 10, rejectionMessage: 'integrator unavailable' },
      logger: silentLogger,
      decisions: { decided: (record) => records.push(record) },
    });
    const payload = { cluster_id: 'c42', auth_id: 'secret-session-token', node_count: 1 };
    try {
      const decision = await caller.decide(hook, payload, { deadline: Date.now() + 5_000, signal: new AbortController().signal, trace: {} });
      expect(records).to.have.length(1);
      expect(JSON.stringify(records)).not.to.contain('secret-session-token');
      return { decision, record: records[0]! };
    } finally {
      caller.close();
    }
  };

  it('records the integrator\'s rejection with its reason, the attempts it took and the webhook-id', async () => {
    replies = [[503, {}], [200, { approved: false, reason: 'quota exceeded' }]];
    const { record } = await decide({ 'pre-add-node': `${base}/pre-add-node` }, 'pre-add-node');
    expect(record).to.include({ hook: 'pre-add-node', clusterId: 'c42', approved: false, decidedBy: 'integrator', reason: 'quota exceeded', attempts: 2 });
    expect(record.webhookId).to.match(/^msg_/);
    expect(record.durationMs).to.be.a('number').and.at.least(0);
    expect(record.at).to.be.closeTo(Date.now(), 5_000);
  });

  it('records a failure-policy decision with its cause and the attempts that failed before it', async () => {
    replies = [[500, {}], [500, {}], [500, {}]];
    const { record } = await decide({ 'pre-add-node': `${base}/pre-add-node` }, 'pre-add-node');
    expect(record).to.include({ approved: false, decidedBy: 'failure_policy', reason: 'integrator unavailable', attempts: 3 });
    expect(record.cause).to.contain('500');
  });

  it('records a disabled hook as approved with no attempt', async () => {
    const { record } = await decide({}, 'pre-create-cluster');
    expect(record).to.include({ hook: 'pre-create-cluster', approved: true, decidedBy: 'hook_disabled', attempts: 0 });
  });
});
