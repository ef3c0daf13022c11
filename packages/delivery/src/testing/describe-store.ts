import { expect } from 'chai';
import { sleep } from '@ccx-hook/test-waits';
import type { DeliveryStore, NewDelivery } from '../delivery-store.js';
import { StoreError } from '../errors.js';
import type { StoreFixture } from './store-fixtures.js';

const delivery = (clusterId: string, n: number, idempotencyKey?: string) => ({
  hook: 'post-add-node',
  clusterId,
  payload: JSON.stringify({ cluster_id: clusterId, n }),
  idempotencyKey,
});
const ok = { attempt: 1, durationMs: 3, statusCode: 200 };
const failed = { attempt: 1, durationMs: 3, statusCode: 500, error: 'integrator answered HTTP 500' };

/**
 * The behaviour DESIGN §5 asks of every `DeliveryStore`, run against each implementation.
 * `setup` resolves undefined when the store is not available here (it says so itself).
 */
export function describeStore(title: string, setup: () => Promise<StoreFixture | undefined>): void {
  describe(title, function () {
    let fixture: StoreFixture | undefined;
    let store: DeliveryStore;

    before(async function () {
      fixture = await setup();
      if (!fixture) this.skip();
    });
    after(async () => fixture?.destroy());
    beforeEach(async () => {
      await fixture!.clear();
      store = await fixture!.open();
    });
    afterEach(async () => store?.close());

    /** Enqueues `newDelivery`; resolves with its id. */
    const enqueue = async (newDelivery: NewDelivery) => (await store.enqueue(newDelivery)).id;
    const claimIds = async (limit = 10, leaseMs = 10_000) => (await store.claim(limit, leaseMs)).map((d) => d.id).sort();

    it('keeps acknowledged enqueues after reopening', async () => {
      const ids = await Promise.all(Array.from({ length: 50 }, (_, n) => enqueue(delivery(`c${n % 5}`, n))));
      expect(new Set(ids).size).to.equal(50);
      await store.close();
      store = await fixture!.open();
      expect((await store.stats()).pending).to.equal(50);
      const claimed = await store.claim(100, 10_000);
      expect(claimed.map((d) => d.clusterId).sort()).to.deep.equal(['c0', 'c1', 'c2', 'c3', 'c4']);
      expect(claimed.map((d) => JSON.parse(d.payload).n).sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4]);
    });

    it('returns the first id for a repeated idempotency key of the same hook, also within one group', async () => {
      const [first, again] = await Promise.all([enqueue(delivery('c1', 1, 'k1')), enqueue(delivery('c1', 2, 'k1'))]);
      expect(again).to.equal(first);
      expect(await enqueue(delivery('c1', 3, 'k1'))).to.equal(first);
      expect(await enqueue({ ...delivery('c1', 4, 'k1'), hook: 'post-delete-cluster' })).not.to.equal(first);
      expect(await store.count({})).to.equal(2);
    });

    it('says which enqueues made their cluster\'s queue head, due at once, also within one group', async () => {
      const due = async (...deliveries: NewDelivery[]) => (await Promise.all(deliveries.map((d) => store.enqueue(d)))).map((enqueued) => enqueued.due);
      expect(await due(delivery('a', 1), delivery('a', 2), delivery('b', 1, 'k1'), delivery('b', 2, 'k1'))).to.deep.equal([true, false, true, false]);
      expect(await due(delivery('a', 3), delivery('c', 1)), 'behind a head; a new cluster').to.deep.equal([false, true]);
      const [b] = (await store.claim(10, 10_000)).filter((d) => d.clusterId === 'b');
      await store.recordAttempt(b!.lease, ok, { status: 'delivered' });
      expect(await due(delivery('b', 3, 'k1')), 'a repeated key').to.deep.equal([false]);
      expect(await due(delivery('b', 4)), 'once the cluster has nothing pending').to.deep.equal([true]);
    });

    it('hands out only the queue head of each cluster, once per lease', async () => {
      const a1 = await enqueue(delivery('a', 1));
      const a2 = await enqueue(delivery('a', 2));
      const b1 = await enqueue(delivery('b', 1));
      const claimed = await store.claim(10, 10_000);
      expect(claimed.map((d) => d.id).sort()).to.deep.equal([a1, b1].sort());
      expect(await store.claim(10, 10_000)).to.deep.equal([]);
      const a = claimed.find((d) => d.id === a1)!;
      expect(await store.recordAttempt(a.lease, ok, { status: 'delivered' })).to.equal(true);
      expect(await claimIds()).to.deep.equal([a2]);
    });

    it('keeps a later delivery waiting while an earlier one is retried, and frees it once that is dead', async () => {
      const a1 = await enqueue(delivery('a', 1));
      const a2 = await enqueue(delivery('a', 2));
      await enqueue(delivery('b', 1));
      const [first] = (await store.claim(10, 10_000)).filter((d) => d.id === a1);
      expect(await store.recordAttempt(first!.lease, failed, { status: 'pending', delayMs: 60_000 })).to.equal(true);
      const retrying = await store.get(a1);
      expect(retrying).to.include({ status: 'pending', attempts: 1, lastError: 'integrator answered HTTP 500' });
      expect(retrying!.nextAttemptAt - retrying!.updatedAt).to.be.within(59_000, 61_000);
      expect(await claimIds()).to.deep.equal([], 'b1 is leased already; a2 waits behind a1');
      await store.retry([a1]);
      const [again] = await store.claim(10, 10_000);
      expect(again!.id).to.equal(a1);
      expect(await store.recordAttempt(again!.lease, { ...failed, attempt: 2 }, { status: 'dead' })).to.equal(true);
      expect(await claimIds()).to.deep.equal([a2]);
    });

    it('lets another dispatcher take over an expired lease and refuses the late writer', async () => {
      const a1 = await enqueue(delivery('a', 1));
      const [crashed] = await store.claim(10, 100);
      expect(await store.claim(10, 10_000)).to.deep.equal([]);
      await sleep(150); // the 100 ms lease runs out: the behaviour
      const [taken] = await store.claim(10, 10_000);
      expect(taken!.id).to.equal(a1);
      expect(taken!.lease.token).not.to.equal(crashed!.lease.token);
      expect(await store.recordAttempt(crashed!.lease, ok, { status: 'delivered' })).to.equal(false);
      expect(await store.get(a1)).to.include({ status: 'pending', attempts: 0 });
      expect(await store.attempts(a1)).to.deep.equal([]);
      expect(await store.recordAttempt(taken!.lease, ok, { status: 'delivered' })).to.equal(true);
      expect(await store.get(a1)).to.include({ status: 'delivered', attempts: 1 });
      expect(await store.recordAttempt(taken!.lease, ok, { status: 'delivered' })).to.equal(false, 'a lease ends with its record');
    });

    it('extends a live lease so that it is not taken over, and reports a lost one', async () => {
      await enqueue(delivery('a', 1));
      await enqueue(delivery('b', 1));
      const [first, second] = await store.claim(10, 150);
      await sleep(100); // within the 150 ms lease: the behaviour
      expect(await store.extend([first!.lease], 10_000)).to.deep.equal([]);
      await sleep(100); // past the first lease, within the extended one
      const [taken] = await store.claim(10, 10_000);
      expect(taken!.id).to.equal(second!.id);
      expect(await store.extend([first!.lease, second!.lease], 10_000)).to.deep.equal([second!.lease]);
    });

    it('makes a released delivery due at once and refuses its old lease', async () => {
      const a1 = await enqueue(delivery('a', 1));
      const [claimed] = await store.claim(10, 60_000);
      await store.release([claimed!.lease]);
      const [again] = await store.claim(10, 60_000);
      expect(again!.id).to.equal(a1);
      expect(await store.recordAttempt(claimed!.lease, ok, { status: 'delivered' })).to.equal(false);
    });

    it('appends every attempt to the history, across an operator retry', async () => {
      const a1 = await enqueue(delivery('a', 1));
      let [claimed] = await store.claim(10, 10_000);
      await store.recordAttempt(claimed!.lease, failed, { status: 'pending', delayMs: 0 });
      [claimed] = await store.claim(10, 10_000);
      expect(claimed!.attempts).to.equal(1);
      await store.recordAttempt(claimed!.lease, { ...failed, attempt: 2, error: 'no reply within 15000ms', statusCode: undefined }, { status: 'dead' });
      expect(await store.retry([a1])).to.deep.equal(['queued']);
      [claimed] = await store.claim(10, 10_000);
      expect(claimed).to.include({ id: a1, attempts: 0 });
      await store.recordAttempt(claimed!.lease, ok, { status: 'delivered' });
      const history = await store.attempts(a1);
      expect(history.map(({ attempt, statusCode, error }) => ({ attempt, statusCode, error }))).to.deep.equal([
        { attempt: 1, statusCode: 500, error: 'integrator answered HTTP 500' },
        { attempt: 2, statusCode: undefined, error: 'no reply within 15000ms' },
        { attempt: 1, statusCode: 200, error: undefined },
      ]);
      expect(history.every((entry) => entry.durationMs === 3 && entry.endedAt > 0)).to.equal(true);
    });

    it('queues a retried dead delivery behind the pending ones of its cluster; makes a waiting head due now', async () => {
      const a1 = await enqueue(delivery('a', 1));
      const [claimed] = await store.claim(10, 10_000);
      await store.recordAttempt(claimed!.lease, failed, { status: 'dead' });
      const a2 = await enqueue(delivery('a', 2));
      expect(await store.retry([a1, 'msg_unknown'])).to.deep.equal(['queued', 'not-found']);
      const [head] = await store.claim(10, 10_000);
      expect(head!.id).to.equal(a2);
      await store.recordAttempt(head!.lease, failed, { status: 'pending', delayMs: 3_600_000 });
      expect(await store.claim(10, 10_000)).to.deep.equal([]);
      expect(await store.retry([a2])).to.deep.equal(['due-now']);
      const [now] = await store.claim(10, 10_000);
      expect(now!.id).to.equal(a2);
      expect(await store.retry([a2])).to.deep.equal(['unchanged'], 'a leased delivery is left alone');
      await store.recordAttempt(now!.lease, ok, { status: 'delivered' });
      expect(await claimIds()).to.deep.equal([a1]);
    });

    it('numbers each cluster\'s deliveries in enqueue order, keeps a retried one\'s number, never reuses one', async () => {
      const a1 = await enqueue(delivery('a', 1));
      const b1 = await enqueue(delivery('b', 1));
      const a2 = await enqueue(delivery('a', 2));
      const sequenceOf = async (id: string) => (await store.get(id))!.sequence;
      const [first, second] = [await sequenceOf(a1), await sequenceOf(a2)];
      expect(second, 'a later delivery of the cluster').to.be.above(first);
      // a1 dies, a2 goes out after it; an operator then retries a1.
      const [head] = (await store.claim(10, 10_000)).filter((claimed) => claimed.id === a1);
      expect(head!.sequence, 'claimed as stored').to.equal(first);
      await store.recordAttempt(head!.lease, failed, { status: 'dead' });
      const [next] = (await store.claim(10, 10_000)).filter((claimed) => claimed.id === a2);
      await store.recordAttempt(next!.lease, ok, { status: 'delivered' });
      expect(await store.retry([a1])).to.deep.equal(['queued']);
      const [retried] = (await store.claim(10, 10_000)).filter((claimed) => claimed.id === a1);
      expect(retried!.sequence, 'the retried delivery keeps its number, below the one that went out after it').to.equal(first);
      const a3 = await enqueue(delivery('a', 3));
      expect(await sequenceOf(a3), 'a new one is above every number handed out').to.be.above(Math.max(first, second, await sequenceOf(b1)));
    });

        it('retries dead deliveries in bulk by filter', async () => {
      for (const cluster of ['a', 'b', 'c']) await enqueue(delivery(cluster, 1));
      for (const claimed of await store.claim(10, 10_000)) await store.recordAttempt(claimed.lease, failed, { status: 'dead' });
      expect(await store.count({ status: 'dead' })).to.equal(3);
      expect(await store.retryDead({ clusterId: 'b' }, 100)).to.equal(1);
      expect(await store.retryDead({}, 1)).to.equal(1);
      expect(await store.retryDead({}, 100)).to.equal(1);
      expect(await store.count({ status: 'pending' })).to.equal(3);
    });

    it('lists with filters and pages, newest first, without payloads', async () => {
      const ids: string[] = [];
      for (let n = 0; n < 5; n++) ids.push(await enqueue(delivery(n % 2 ? 'odd' : 'even', n)));
      await enqueue({ ...delivery('even', 9), hook: 'post-delete-cluster' });
      const first = await store.list({ limit: 2, hook: 'post-add-node' });
      expect(first.deliveries.map((d) => d.id)).to.deep.equal([ids[4], ids[3]]);
      expect(first.deliveries[0]).not.to.have.property('payload');
      const second = await store.list({ limit: 2, hook: 'post-add-node', after: first.next });
      expect(second.deliveries.map((d) => d.id)).to.deep.equal([ids[2], ids[1]]);
      const last = await store.list({ limit: 2, hook: 'post-add-node', after: second.next });
      expect(last.deliveries.map((d) => d.id)).to.deep.equal([ids[0]]);
      expect(last.next).to.equal(undefined);
      expect((await store.list({ limit: 10, clusterId: 'odd' })).deliveries.map((d) => d.id)).to.deep.equal([ids[3], ids[1]]);
      expect(await store.count({ clusterId: 'even', status: 'pending' })).to.equal(4);
      expect(await store.count({ olderThanMs: 60_000 })).to.equal(0);
      expect(await store.get(ids[0]!)).to.include({ payload: '{"cluster_id":"even","n":0}', hook: 'post-add-node' });
      expect(await store.get('msg_unknown')).to.equal(undefined);
    });

    it('records many attempts committed together, each under its own lease, and one lease only once', async () => {
      const ids = await Promise.all(['a', 'b', 'c', 'd'].map((cluster) => enqueue(delivery(cluster, 1))));
      const later = await enqueue(delivery('a', 2));
      const claimed = await store.claim(10, 10_000);
      const lease = (id: string) => claimed.find((d) => d.id === id)!.lease;
      const stale = { ...lease(ids[3]!), token: 'not-the-token' };
      const applied = await Promise.all([
        store.recordAttempt(lease(ids[0]!), ok, { status: 'delivered' }),
        store.recordAttempt(lease(ids[1]!), failed, { status: 'pending', delayMs: 60_000 }),
        store.recordAttempt(lease(ids[2]!), failed, { status: 'dead' }),
        store.recordAttempt(lease(ids[2]!), failed, { status: 'dead' }),
        store.recordAttempt(stale, ok, { status: 'delivered' }),
      ]);
      expect(applied).to.deep.equal([true, true, true, false, false]);
      expect((await Promise.all(ids.map((id) => store.get(id)))).map((d) => d!.status)).to.deep.equal(['delivered', 'pending', 'dead', 'pending']);
      expect(await store.attempts(ids[2]!)).to.have.length(1);
      expect(await store.attempts(ids[1]!)).to.deep.include.members([{ ...failed, endedAt: (await store.attempts(ids[1]!))[0]!.endedAt }]);
      // The delivered head of cluster a made the next one its head; d keeps its lease.
      expect((await store.claim(10, 10_000)).map((d) => d.id)).to.deep.equal([later]);
    });

    it('applies the records of one lease in one group in turn: a stale token first does not hide the live one', async () => {
      const id = await enqueue(delivery('a', 1));
      const [claimed] = await store.claim(10, 10_000);
      const stale = { ...claimed!.lease, token: 'not-the-token' };
      const applied = await Promise.all([
        store.recordAttempt(stale, ok, { status: 'delivered' }),
        store.recordAttempt(claimed!.lease, failed, { status: 'dead' }),
        store.recordAttempt(claimed!.lease, ok, { status: 'delivered' }),
      ]);
      expect(applied).to.deep.equal([false, true, false]);
      expect(await store.get(id)).to.include({ status: 'dead' });
      expect(await store.attempts(id)).to.have.length(1);
    });

    it('filters by when a delivery was created and when it last changed', async () => {
      await enqueue(delivery('a', 1));
      // Wide margins: b's enqueue (a commit, an fsync) and the reads must fit in the window on a busy machine.
      await sleep(400); // a's age grows past the filter's window: the behaviour
      const b = await enqueue(delivery('b', 1));
      expect(await store.count({ newerThanMs: 300 })).to.equal(1);
      expect((await store.list({ limit: 10, newerThanMs: 300 })).deliveries.map((d) => d.id)).to.deep.equal([b]);
      expect(await store.count({ newerThanMs: 60_000 })).to.equal(2);
      for (const claimed of await store.claim(10, 10_000)) await store.recordAttempt(claimed.lease, failed, { status: 'dead' });
      expect(await store.count({ status: 'dead', updatedWithinMs: 60_000 })).to.equal(2);
      await sleep(60); // the last change ages past 40 ms: the behaviour
      expect(await store.count({ status: 'dead', updatedWithinMs: 40 })).to.equal(0);
    });

    it('counts each status up to a limit when asked, so that stats cost a bounded read', async () => {
      for (let n = 0; n < 5; n++) await enqueue(delivery(`c${n}`, n));
      const [first] = await store.claim(1, 10_000);
      await store.recordAttempt(first!.lease, failed, { status: 'dead' });
      expect(await store.stats(3)).to.include({ pending: 3, delivered: 0, dead: 1 });
      expect(await store.stats()).to.include({ pending: 4, delivered: 0, dead: 1 });
    });

    it('lists blocked clusters: failed queue heads, the most attempted first, with what waits behind them', async () => {
      const a1 = await enqueue(delivery('a', 1));
      for (let n = 2; n <= 4; n++) await enqueue(delivery('a', n));
      const b1 = await enqueue(delivery('b', 1));
      await enqueue(delivery('c', 1));
      expect(await store.blocked(10)).to.deep.equal([], 'nothing has failed yet');
      for (const claimed of await store.claim(10, 10_000)) {
        if (claimed.clusterId === 'c') await store.recordAttempt(claimed.lease, ok, { status: 'delivered' });
        else await store.recordAttempt(claimed.lease, failed, { status: 'pending', delayMs: 0 });
      }
      const [again] = (await store.claim(10, 10_000)).filter((d) => d.id === a1);
      await store.recordAttempt(again!.lease, { ...failed, attempt: 2 }, { status: 'pending', delayMs: 60_000 });
      const blocked = await store.blocked(10);
      expect(blocked.map(({ clusterId, waiting, head }) => ({ clusterId, waiting, id: head.id, attempts: head.attempts }))).to.deep.equal([
        { clusterId: 'a', waiting: 3, id: a1, attempts: 2 },
        { clusterId: 'b', waiting: 0, id: b1, attempts: 1 },
      ]);
      expect(blocked[0]!.head).to.include({ lastError: 'integrator answered HTTP 500', status: 'pending' });
      expect(blocked[0]!.head).not.to.have.property('payload');
      expect(await store.blocked(1)).to.have.length(1);
    });

    it('purges delivered rows older than the retention, with their attempts, in batches, and counts what is left', async () => {
      const a1 = await enqueue(delivery('a', 1));
      const a2 = await enqueue(delivery('a', 2));
      await enqueue(delivery('b', 1));
      for (const id of [a1, a2]) {
        const claimed = (await store.claim(10, 10_000)).find((d) => d.id === id)!;
        await store.recordAttempt(claimed.lease, ok, { status: 'delivered' });
      }
      expect(await store.purgeDelivered(60_000, 10)).to.equal(0);
      await sleep(20); // the deliveries age past the 10 ms retention: the behaviour
      expect(await store.purgeDelivered(10, 1)).to.equal(1);
      expect(await store.get(a1), 'the oldest first').to.equal(undefined);
      expect(await store.attempts(a1)).to.deep.equal([]);
      expect(await store.purgeDelivered(10, 10)).to.equal(1);
      expect(await store.get(a2)).to.equal(undefined);
      const stats = await store.stats();
      expect(stats).to.include({ pending: 1, delivered: 0, dead: 0 });
      expect(stats.oldestPendingAgeMs).to.be.within(0, 10_000);
    });

    it('keeps the idempotency key of a purged delivery until purgeKeys forgets it', async () => {
      const keyed = { ...delivery('a', 1), idempotencyKey: 'k1' };
      const id = await enqueue(keyed);
      const [claimed] = await store.claim(10, 10_000);
      await store.recordAttempt(claimed!.lease, ok, { status: 'delivered' });
      await sleep(20); // past the 10 ms retention: the behaviour
      expect(await store.purgeDelivered(10, 10)).to.equal(1);
      expect(await enqueue(keyed), 'the key outlives its row').to.equal(id);
      expect(await store.claim(10, 10_000), 'and nothing is queued again').to.deep.equal([]);
      expect(await store.purgeKeys(60_000, 10)).to.equal(0);
      expect(await store.purgeKeys(10, 10)).to.equal(1);
      expect(await enqueue(keyed), 'a forgotten key queues anew').not.to.equal(id);
    });

    it('undoes a claim by its token, as a dispatcher does with a claim whose answer it never got', async () => {
      await enqueue(delivery('a', 1));
      await enqueue(delivery('b', 1));
      const [lost] = await store.claim(1, 60_000, 'claim-1');
      const [kept] = await store.claim(1, 60_000, 'claim-2');
      expect(lost!.lease.token).to.equal('claim-1');
      await store.releaseClaims(['claim-1', 'claim-unknown']);
      const again = await store.claim(10, 60_000);
      expect(again.map((d) => d.id)).to.deep.equal([lost!.id]);
      expect(await store.recordAttempt(kept!.lease, ok, { status: 'delivered' }), 'the other claim holds').to.equal(true);
    });

    it('claims from the oldest due head first, never more than asked', async () => {
      for (let n = 0; n < 30; n++) await enqueue(delivery(`c${n}`, n));
      const claimed = await store.claim(7, 10_000);
      expect(claimed.map((d) => d.clusterId)).to.have.members(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    });

    const removed = (hook: string, clusterId: string, n: number) => ({ ...delivery(clusterId, n), hook });

    it('claims nothing of a gone endpoint, keeps its deliveries pending, and claims them again once resumed', async () => {
      await enqueue(delivery('a', 1));
      await enqueue(removed('post-remove-node', 'b', 1));
      expect(await store.markGone('post-add-node', 'http://integrator.test/a')).to.equal(true);
      expect(await store.markGone('post-add-node', 'http://integrator.test/other'), 'only the first mark counts').to.equal(false);
      const [state] = await store.endpoints();
      expect(state).to.include({ hook: 'post-add-node' });
      expect(state!.gone!.url).to.equal('http://integrator.test/a');
      expect(state!.gone!.since).to.be.closeTo(Date.now(), 60_000);
      expect((await store.claim(10, 10_000)).map((d) => d.hook), 'other hooks go on').to.deep.equal(['post-remove-node']);
      await enqueue(delivery('c', 1));
      expect(await store.claim(10, 10_000), 'a new cluster of the gone hook waits too').to.deep.equal([]);
      expect(await store.count({ status: 'pending', hook: 'post-add-node' })).to.equal(2);
      expect(await store.resume('post-add-node')).to.equal(true);
      expect(await store.resume('post-add-node'), 'nothing left to resume').to.equal(false);
      expect(await store.endpoints()).to.deep.equal([]);
      expect((await store.claim(10, 10_000)).map((d) => d.clusterId).sort()).to.deep.equal(['a', 'c']);
    });

    it('claims nothing of a paused endpoint until the pause is over, and never shortens a pause', async () => {
      await enqueue(delivery('a', 1));
      await enqueue(removed('post-remove-node', 'b', 1));
      await store.pause('post-add-node', 400);
      await store.pause('post-add-node', 50);
      const [state] = await store.endpoints();
      expect(state!.pausedForMs).to.be.within(300, 400);
      expect((await store.claim(10, 10_000)).map((d) => d.clusterId)).to.deep.equal(['b']);
      await sleep(200); // still paused: the behaviour
      expect(await store.claim(10, 10_000), 'the shorter pause did not end the longer one').to.deep.equal([]);
      await sleep(300); // past the pause: the behaviour
      expect((await store.claim(10, 10_000)).map((d) => d.clusterId)).to.deep.equal(['a']);
      expect(await store.endpoints(), 'a pause that is over is not listed').to.deep.equal([]);
    });

    it('ends a pause on resume', async () => {
      await enqueue(delivery('a', 1));
      await store.pause('post-add-node', 60_000);
      expect(await store.claim(10, 10_000)).to.deep.equal([]);
      expect(await store.resume('post-add-node')).to.equal(true);
      expect((await store.claim(10, 10_000)).map((d) => d.clusterId)).to.deep.equal(['a']);
    });

    it('hands out rate-limited slots one interval apart, shared by every store on the database, at most a horizon ahead', async () => {
      for (let n = 0; n < 40; n++) await enqueue(delivery(`c${n}`, n));
      await enqueue(removed('post-remove-node', 'r', 1));
      const other = await fixture!.open();
      try {
        const first = await store.claim(5, 10_000, undefined, 10);
        const second = await other.claim(30, 10_000, undefined, 10);
        const byHook = (batch: typeof first, hook: string) => batch.filter((d) => d.hook === hook).map((d) => d.startInMs);
        // 10 per second: slots 100 ms apart; a horizon of 1 s holds 11 of them (0 … 1000 ms).
        const added = [...byHook(first, 'post-add-node'), ...byHook(second, 'post-add-node')];
        expect(added).to.have.length(11);
        added.forEach((startIn, index) => expect(startIn, `slot ${index}`).to.be.closeTo(index * 100, 60));
        expect(byHook(second, 'post-remove-node'), 'each hook has slots of its own').to.have.length(1);
        expect(byHook(second, 'post-remove-node')[0]).to.be.below(60);
        expect(await store.claim(10, 10_000, undefined, 10), 'no slot free within the horizon').to.deep.equal([]);
      } finally {
        await other.close();
      }
    });

    it('passes its check while usable, and fails it with StoreError once closed', async () => {
      await store.check();
      await store.close();
      const error = await store.check().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(StoreError);
    });

    it('rejects enqueues once closed', async () => {
      await store.close();
      const error = await enqueue(delivery('a', 1)).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(StoreError);
    });
  });
}
