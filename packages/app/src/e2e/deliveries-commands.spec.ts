import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { openStore } from '@ccx-hook/delivery';
import { createTestDatabase, postgresAvailable, type TestDatabase } from '@ccx-hook/test-postgres';
import { bin, cleanEnv, runCli } from './cli-process.js';

interface StoreUnderTest {
  url: string;
  destroy(): Promise<void>;
}

const stores: Record<string, () => Promise<StoreUnderTest | undefined>> = {
  SQLite: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-operate-'));
    return { url: `sqlite:${join(dir, 'deliveries.db')}`, destroy: async () => rmSync(dir, { recursive: true, force: true }) };
  },
  PostgreSQL: async () => {
    if (!(await postgresAvailable('end to end: deliveries commands on PostgreSQL'))) return undefined;
    const database: TestDatabase = await createTestDatabase();
    return { url: database.url, destroy: () => database.drop() };
  },
};

for (const [kind, create] of Object.entries(stores)) {
  describe(`end to end: deliveries commands on ${kind}`, function () {
    this.timeout(30_000);
    let store: StoreUnderTest | undefined;
    let ids: { dead: string; delivered: string; pending: string; waiting: string };

    before(async function () {
      store = await create();
      if (!store) this.skip();
      // The state a running service leaves behind: one dead, one delivered, two pending.
      const outbox = await openStore(store.url);
      const payload = (cluster: string) => JSON.stringify({ cluster_id: cluster, auth_id: 'PLANTED-SESSION-ID' });
      const { id: dead } = await outbox.enqueue({ hook: 'post-add-node', clusterId: 'a', payload: payload('a') });
      const { id: waiting } = await outbox.enqueue({ hook: 'post-add-node', clusterId: 'a', payload: payload('a') });
      const { id: delivered } = await outbox.enqueue({ hook: 'post-delete-cluster', clusterId: 'b', payload: payload('b') });
      const { id: pending } = await outbox.enqueue({ hook: 'post-add-node', clusterId: 'c', payload: payload('c') });
      for (const claimed of await outbox.claim(10, 60_000)) {
        if (claimed.id === dead) {
          await outbox.recordAttempt(claimed.lease, { attempt: 1, durationMs: 12, statusCode: 500, error: 'integrator answered HTTP 500' }, { status: 'dead' });
        } else if (claimed.id === delivered) {
          await outbox.recordAttempt(claimed.lease, { attempt: 1, durationMs: 7, statusCode: 204 }, { status: 'delivered' });
        } else {
          await outbox.release([claimed.lease]);
        }
      }
      await outbox.close();
      ids = { dead, delivered, pending, waiting };
    });
    after(async () => store?.destroy());

    const cli = (...args: string[]) => runCli(['deliveries', ...args], { CCX_HOOK_STORE_URL: store!.url });

    it('lists with filters, as JSON for scripts and as a table for people', async () => {
      const dead = await cli('list', '--status', 'dead', '--json');
      expect(dead.code, dead.stderr).to.equal(0);
      const page = JSON.parse(dead.stdout) as { store: string; deliveries: { id: string; lastError: string }[] };
      expect(page.store, 'the store it read').to.equal(store!.url);
      expect(page.deliveries.map((d) => d.id)).to.deep.equal([ids.dead]);
      expect(page.deliveries[0]!.lastError).to.equal('integrator answered HTTP 500');
      const table = await cli('list', '--cluster', 'a');
      expect(table.code).to.equal(0);
      expect(table.stdout.split('\n')[0]).to.match(/^ID\s+STATUS\s+HOOK\s+CLUSTER\s+ATTEMPTS/);
      expect(table.stdout).to.include(ids.dead).and.include(ids.waiting).and.not.include(ids.pending);
      const paged = await cli('list', '--limit', '1');
      expect(paged.stdout).to.match(/more: --after \S+/);
    });

    it('shows every attempt and never the auth_id', async () => {
      const shown = await cli('show', ids.dead);
      expect(shown.code, shown.stderr).to.equal(0);
      expect(shown.stdout).to.match(/status:\s+dead/);
      expect(shown.stdout).to.match(/1\s+\S+Z\s+12ms\s+integrator answered HTTP 500/);
      const json = await cli('show', ids.delivered, '--json');
      expect(JSON.parse(json.stdout).store).to.equal(store!.url);
      expect(JSON.parse(json.stdout).attempts).to.have.length(1).and.to.have.nested.property('[0].statusCode', 204);
      expect(shown.stdout + json.stdout).not.to.include('PLANTED-SESSION-ID');
      const missing = await cli('show', 'msg_missing');
      expect(missing.code).to.equal(1);
      expect(missing.stderr.trim()).to.equal('ccx-hook-service: no delivery msg_missing');
    });

    it('retries by id and all dead ones, and says which ids it does not know', async () => {
      const byId = await cli('retry', ids.dead, ids.pending, 'msg_missing');
      expect(byId.code).to.equal(1);
      expect(byId.stdout).to.include(`${ids.dead}: queued again`).and.include(`${ids.pending}: due now`);
      expect(byId.stderr.trim()).to.equal('ccx-hook-service: no delivery msg_missing');
      const list = JSON.parse((await cli('list', '--status', 'dead', '--json')).stdout) as { deliveries: unknown[] };
      expect(list.deliveries).to.have.length(0);
      const none = await cli('retry', '--dead');
      expect(none.code).to.equal(0);
      expect(none.stdout.trim()).to.equal('queued 0 deliveries again');
    });

    it('purges delivered deliveries older than an age', async () => {
      expect((await cli('purge', '--delivered-before', '1d')).stdout.trim()).to.equal('purged 0 deliveries');
      expect((await cli('purge', '--delivered-before', '0s')).stdout.trim()).to.equal('purged 1 delivery');
      expect((await cli('show', ids.delivered)).code).to.equal(1);
    });

    it('says first which store it read when the output is a terminal, the password left out', async () => {
      // script(1) gives the command a terminal, as an operator's shell would.
      // PostgreSQL here trusts any password: one is given, to see it left out.
      const url = store!.url.replace(/^(postgres(ql)?:\/\/[^:/@]+)@/, '$1:PLANTED-PASSWORD@');
      const command = [process.execPath, bin, 'deliveries', 'list', '--status', 'pending'].map((word) => `'${word}'`).join(' ');
      const { stdout } = await promisify(execFile)('script', ['-qec', command, '/dev/null'], { env: cleanEnv({ CCX_HOOK_STORE_URL: url }) });
      const lines = stdout.split(/\r?\n/);
      expect(lines[0]).to.equal(`store: ${url.replace('PLANTED-PASSWORD', '[redacted]')}`);
      expect(lines[1]).to.match(/^ID\s+STATUS/);
      expect(stdout).to.include(ids.pending).and.not.include('PLANTED-PASSWORD');
    });

    it('answers bad usage with exit status 2 and one line', async () => {
      for (const args of [['list', '--status', 'bogus'], ['purge'], ['retry'], ['frob'], []]) {
        const result = await cli(...args);
        expect(result.code, args.join(' ')).to.equal(2);
        expect(result.stderr.trim().split('\n'), args.join(' ')).to.have.length(1);
      }
    });
  });
}

describe('end to end: deliveries commands never read a store that is not there', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-no-store-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('fails naming the path of a missing SQLite store, and creates nothing', async () => {
    const typo = join(dir, 'typo', 'x.db');
    const result = await runCli(['deliveries', 'list', '--store-url', `sqlite:${typo}`]);
    expect(result.code).to.equal(1);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.include(`no store at ${typo}`).and.include('store.url');
    expect(result.stdout).to.equal('');
    expect(existsSync(join(dir, 'typo')), 'no directory made').to.equal(false);
  });

  it('serve makes a missing store file but no missing directory, naming the path', async () => {
    const typo = join(dir, 'no-such-dir', 'x.db');
    const env = { CCX_HOOK_HOOKS_URL: 'http://127.0.0.1:8080', CCX_HOOK_GRPC_ADDRESS: '127.0.0.1:0', CCX_HOOK_HTTP_ADDRESS: '127.0.0.1:0' };
    const result = await runCli(['serve', '--store-url', `sqlite:${typo}`], env);
    expect(result.code).to.equal(1);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.include('store.url').and.include(`no directory ${join(dir, 'no-such-dir')}`);
    expect(existsSync(join(dir, 'no-such-dir')), 'no directory made').to.equal(false);
  });
});
