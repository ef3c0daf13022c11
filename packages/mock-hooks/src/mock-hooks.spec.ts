import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { generateSigningKey, HookClient } from '@ccx-hook/hook-client';
import { type MockHooks, type MockHooksOptions, startMockHooks } from './mock-hooks.js';

const secret = `whsec_${Buffer.from('mock-hooks-spec-secret-32-bytes!').toString('base64')}`;

describe('mock-hooks', () => {
  let mock: MockHooks;
  afterEach(async () => mock.close());

  const post = async (hook: string, options: { secrets?: string[]; signingKeys?: string[] } = {}) => {
    const client = new HookClient(options);
    try {
      const reply = await client.send({
        url: `${mock.url}/${hook}`,
        hookName: hook,
        webhookId: 'msg_1',
        attempt: 1,
        body: JSON.stringify({ cluster_id: 'c1', auth_id: 'session' }),
        timeoutMs: 2000,
      });
      return { status: reply.statusCode, body: JSON.parse(reply.body) as Record<string, unknown> };
    } catch (error) {
      return { status: (error as { details: { statusCode: number } }).details.statusCode, body: {} };
    }
  };
  const start = async (options: MockHooksOptions = {}) => (mock = await startMockHooks({ port: 0, ...options }));

  it('approves pre- hooks with a new work_id and answers post- hooks with {}', async () => {
    await start();
    const pre = await post('pre-add-node');
    expect(pre.status).to.equal(200);
    expect(pre.body.approved).to.equal(true);
    expect(pre.body.work_id).to.be.a('string').and.not.equal('');
    expect(await post('post-add-node')).to.deep.equal({ status: 200, body: {} });
  });

  it('rejects only the hooks that can reject', async () => {
    await start({ reject: 'no budget' });
    expect((await post('pre-create-cluster')).body).to.deep.equal({ approved: false, reason: 'no budget' });
    expect((await post('pre-delete-cluster')).body.approved).to.equal(true);
  });

  it('verifies signatures', async () => {
    await start({ secrets: [secret] });
    expect((await post('post-add-node', { secrets: [secret] })).status).to.equal(200);
    expect((await post('post-add-node')).status).to.equal(401);
  });

  it('verifies v1a signatures with a public key, and answers 401 to a hook it cannot verify with it', async () => {
    const [ours, theirs] = [generateSigningKey(), generateSigningKey()];
    await start({ publicKeys: [ours.publicKey] });
    expect((await post('post-add-node', { signingKeys: [ours.signingKey] })).status).to.equal(200);
    expect((await post('post-add-node', { signingKeys: [theirs.signingKey] })).status, 'signed with another key').to.equal(401);
    expect((await post('post-add-node', { secrets: [secret] })).status, 'v1 only').to.equal(401);
  });

  it('fails the configured fraction of requests', async () => {
    await start({ failRatio: 1 });
    expect((await post('post-add-node')).status).to.equal(500);
  });

  it('records each hook to a JSON-lines file and prints it with auth_id redacted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccx-mock-'));
    const printed: string[] = [];
    await start({ recordFile: join(dir, 'hooks.jsonl'), print: (text) => printed.push(text) });
    await post('pre-remove-node');
    const [line] = readFileSync(join(dir, 'hooks.jsonl'), 'utf8').trim().split('\n');
    const recorded = JSON.parse(line!) as Record<string, unknown>;
    expect(recorded).to.include({ hook: 'pre-remove-node', status: 200, body: '{"cluster_id":"c1","auth_id":"session"}' });
    expect(printed[0]).to.include('pre-remove-node -> 200').and.include('[redacted]').and.not.include('session');
    rmSync(dir, { recursive: true, force: true });
  });
});
