import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type HookName, hookNames } from '@ccx-hook/hook-client';
import { until } from '@ccx-hook/test-waits';
import { Webhook } from 'standardwebhooks';
import { type CliProcess, runCli, startMockHooksProcess, startService } from './cli-process.js';

const secretA = `whsec_${Buffer.from('e2e-secret-number-one-32-bytes!!').toString('base64')}`;
const secretB = `whsec_${Buffer.from('e2e-secret-number-two-32-bytes!!').toString('base64')}`;

interface Recorded {
  hook: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  reply: string;
}

/** One request per hook, in the protobuf JSON mapping, and the exact body the integrator must get. */
const examples: Record<HookName, { request: object; body: object }> = {
  'pre-create-cluster': {
    request: { clusterId: 'c1', clusterName: 'orders', datastoreType: 'postgres', cloud: 'aws', nodeCount: 3, instanceType: 'm5.large', authId: 'session-1' },
    body: { cluster_id: 'c1', cluster_name: 'orders', datastore_type: 'postgres', cloud: 'aws', node_count: 3, instance_type: 'm5.large', auth_id: 'session-1' },
  },
  'post-create-cluster': {
    request: { clusterId: 'c1', clusterName: 'orders', datastoreType: 'postgres', cloud: 'aws', nodeCount: 3, instanceType: 'm5.large', clusterStatus: 'ok', nodeIds: ['n1', 'n2', 'n3'], workId: 'w1' },
    body: { cluster_id: 'c1', cluster_name: 'orders', datastore_type: 'postgres', cloud: 'aws', node_count: 3, instance_type: 'm5.large', cluster_status: 'ok', node_ids: ['n1', 'n2', 'n3'], work_id: 'w1' },
  },
  'pre-add-node': {
    request: { clusterId: 'c1', cloud: 'c1', nodeCount: 1, instanceType: 'i1', authId: 'a1' },
    body: { cluster_id: 'c1', cloud: 'c1', node_count: 1, instance_type: 'i1', auth_id: 'a1' },
  },
  'post-add-node': {
    request: { clusterId: 'c1', cloud: 'c1', nodeCount: 1, instanceType: 'i1', nodeIds: ['n4'], workId: 'w2', status: 'ok' },
    body: { cluster_id: 'c1', cloud: 'c1', node_count: 1, instance_type: 'i1', node_ids: ['n4'], work_id: 'w2', status: 'ok' },
  },
  'pre-remove-node': {
    request: { clusterId: 'c1', nodeId: 'n4', authId: 'a1' },
    body: { cluster_id: 'c1', node_id: 'n4', auth_id: 'a1' },
  },
  'post-remove-node': {
    request: { clusterId: 'c1', nodeId: 'n4', workId: 'w3', status: 'ok' },
    body: { cluster_id: 'c1', node_id: 'n4', work_id: 'w3', status: 'ok' },
  },
  'pre-delete-cluster': {
    request: { clusterId: 'c1', authId: 'a1' },
    body: { cluster_id: 'c1', auth_id: 'a1' },
  },
  'post-delete-cluster': {
    request: { clusterId: 'c1', status: 'deleted', workId: 'w4' },
    body: { cluster_id: 'c1', status: 'deleted', work_id: 'w4' },
  },
};

describe('end to end: `npx ccx-hook-service serve`, mock-hooks and test-client as processes', function () {
  this.timeout(60_000);
  let dir: string;
  let record: string;
  let mock: CliProcess;
  let service: CliProcess;
  let env: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-'));
    record = join(dir, 'hooks.jsonl');
    const receiver = await startMockHooksProcess(['--record', record, '--secret', secretB]);
    mock = receiver.mock;
    const started = await startService({
      CCX_HOOK_HOOKS_URL: receiver.url,
      CCX_HOOK_HOOKS_SECRET: `${secretA},${secretB}`,
      CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'deliveries.db')}`,
      CCX_HOOK_DELIVERY_SCHEDULE: '100ms',
    }, ['npx', 'ccx-hook-service']);
    service = started.service;
    env = { CCX_HOOK_GRPC_ADDRESS: `127.0.0.1:${started.port}` };
  });

  after(async () => {
    await service?.stop();
    await mock?.stop();
    rmSync(dir, { recursive: true, force: true });
    // npx itself ends by the signal; the service behind it must have shut down gracefully.
    expect(service.lines.join('\n')).to.include('"message":"stopped"');
  });

  const recorded = (): Recorded[] =>
    readFileSync(record, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Recorded);

  it('answers `npx ccx-hook test-client add_node` with the mock receiver\'s approval', async () => {
    const json = '{"clusterId":"1","cloud":"c1","nodeCount":1,"instanceType":"i1","authId":"a1"}';
    const { code, stdout, stderr } = await runCli(['ccx-hook', 'test-client', 'add_node', json], env, ['npx']);
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
    const response = JSON.parse(stdout) as Record<string, unknown>;
    const seen = recorded().filter((hook) => hook.hook === 'pre-add-node' && JSON.parse(hook.body).cluster_id === '1');
    expect(seen).to.have.length(1);
    expect(response).to.deep.equal({
      approved: true,
      workId: (JSON.parse(seen[0]!.reply) as { work_id: string }).work_id,
      reason: '',
      decidedBy: 'DECIDED_BY_INTEGRATOR',
    });
  });

  for (const hook of hookNames) {
    it(`delivers ${hook} with the exact body and headers, and maps the reply back`, async () => {
      const { request, body } = examples[hook];
      const { code, stdout, stderr } = await runCli(['test-client', hook, JSON.stringify(request)], env);
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      const response = JSON.parse(stdout) as Record<string, string | boolean>;

      await until(() => recorded().some((entry) => entry.hook === hook), `${hook} reached the receiver`, 5_000);
      const seen = recorded().filter((entry) => entry.hook === hook).pop();
      expect(seen!.status).to.equal(200);
      expect(seen!.body).to.equal(JSON.stringify(body));
      expect(JSON.parse(seen!.body)).to.deep.equal(body);
      const headers = seen!.headers;
      expect(headers['content-type']).to.equal('application/json');
      expect(headers['ccx-hook-name']).to.equal(hook);
      expect(headers['ccx-hook-attempt']).to.equal('1');
      expect(headers['user-agent']).to.match(/^ccx-hook-service\/\d+\.\d+\.\d+$/);
      expect(headers['webhook-id']).to.match(/^msg_/);
      expect(Math.abs(Number(headers['webhook-timestamp']) - Date.now() / 1000)).to.be.below(30);
      expect(headers['webhook-signature']!.split(' ')).to.have.length(2);
      for (const secret of [secretA, secretB]) {
        expect(new Webhook(secret).verify(seen!.body, headers)).to.deep.equal(body);
      }

      const reply = JSON.parse(seen!.reply) as Record<string, unknown>;
      expect(headers['ccx-hook-sequence'] ?? 'absent', 'ccx-hook-sequence, on post- hooks only').to.match(hook.startsWith('post-') ? /^[1-9]\d*$/ : /^absent$/);
      if (hook.startsWith('post-')) {
        expect(response).to.deep.equal({ deliveryId: headers['webhook-id'] });
      } else if (hook === 'pre-create-cluster') {
        expect(response).to.deep.equal({
          approved: true,
          workId: reply.work_id,
          userId: '',
          projectId: '',
          organisationId: '',
          reason: '',
          decidedBy: 'DECIDED_BY_INTEGRATOR',
        });
      } else if (hook === 'pre-add-node') {
        expect(response).to.deep.equal({ approved: true, workId: reply.work_id, reason: '', decidedBy: 'DECIDED_BY_INTEGRATOR' });
      } else {
        expect(response).to.deep.equal({ workId: reply.work_id, decidedBy: 'DECIDED_BY_INTEGRATOR' });
      }
    });
  }

  it('queues a post- hook once for a repeated --idempotency-key', async () => {
    const args = ['test-client', 'post_delete_cluster', '{"clusterId":"c7"}', '--idempotency-key', 'delete-c7'];
    const first = await runCli(args, env);
    const again = await runCli(args, env);
    expect(first.stderr + again.stderr).to.equal('');
    expect(JSON.parse(again.stdout)).to.deep.equal(JSON.parse(first.stdout));
  });

  it('never writes auth_id or a secret to the service log', () => {
    const log = service.lines.join('\n');
    expect(log).to.include('pre- hook decided by the integrator');
    for (const credential of ['session-1', '"a1"', secretA, secretB]) expect(log).not.to.include(credential);
  });
});
