import { expect } from 'chai';
import { sleep } from '@ccx-hook/test-waits';
import { StoreError } from './errors.js';
import { GroupCommit, type GroupCommitLimits } from './group-commit.js';

const roomy: GroupCommitLimits<number> = { timeoutMs: 10_000, maxItems: 100, maxBytes: Infinity, sizeOf: () => 0 };

describe('GroupCommit', () => {
  it('commits what arrives in one turn together, and what arrives during a commit as the next group', async () => {
    const groups: number[][] = [];
    let release: () => void = () => undefined;
    const commits = new GroupCommit<number, string>(async (items) => {
      groups.push(items);
      if (groups.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return items.map((item) => `id-${item}`);
    }, roomy);
    const first = [1, 2, 3].map((n) => commits.add(n));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 5].map((n) => commits.add(n));
    let settled = false;
    void Promise.all(first).then(() => (settled = true));
    await sleep(20); // a window in which nothing may resolve: the behaviour
    expect(settled, 'nothing resolves before its commit').to.equal(false);
    release();
    expect(await Promise.all([...first, ...second])).to.deep.equal(['id-1', 'id-2', 'id-3', 'id-4', 'id-5']);
    expect(groups).to.deep.equal([[1, 2, 3], [4, 5]]);
  });

  it('with waves, commits a burst in two halves, and what is left of it in groups of the same size', async () => {
    const groups: number[][] = [];
    const commits = new GroupCommit<number, number>(async (items) => {
      groups.push(items);
      return items;
    }, roomy, { waves: true });
    // Six at once: groups of three, not one of six, nor 3, 2, 1 as halving what is left would make.
    expect(await Promise.all([1, 2, 3, 4, 5, 6].map((n) => commits.add(n)))).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(await commits.add(7)).to.equal(7);
    expect(groups).to.deep.equal([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('rejects every item of a failed group with StoreError, and commits the next group', async () => {
    let calls = 0;
    const commits = new GroupCommit<number, number>(async (items) => {
      calls++;
      if (calls === 1) throw new Error('disk full');
      return items;
    }, roomy);
    const failed = await Promise.allSettled([commits.add(1), commits.add(2)]);
    expect(failed.map((result) => result.status)).to.deep.equal(['rejected', 'rejected']);
    expect((failed[0] as PromiseRejectedResult).reason).to.be.instanceOf(StoreError);
    expect(await commits.add(3)).to.equal(3);
  });

  it('refuses at once past its bounds in items and bytes, and takes items again once they are committed', async () => {
    let release: () => void = () => undefined;
    const commits = new GroupCommit<number, number>(async (items) => {
      await new Promise<void>((resolve) => (release = resolve));
      return items;
    }, { timeoutMs: 10_000, maxItems: 3, maxBytes: 10, sizeOf: (item) => item });
    const taken = [commits.add(1), commits.add(2)];
    const tooBig = await commits.add(8).catch((error: unknown) => error);
    expect(tooBig).to.be.instanceOf(StoreError);
    expect(String(tooBig)).to.match(/2 waiting for the store already/);
    taken.push(commits.add(3));
    expect(await commits.add(1).catch((error: unknown) => error), 'the fourth item').to.be.instanceOf(StoreError);
    await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(await Promise.all(taken)).to.deep.equal([1, 2, 3]);
    const next = commits.add(4);
    await new Promise((resolve) => setImmediate(resolve));
    release();
    expect(await next).to.equal(4);
  });

  it('rejects an item the store has not committed within the time limit, and drops it if its group has not started', async () => {
    const groups: number[][] = [];
    let release: () => void = () => undefined;
    const commits = new GroupCommit<number, number>(async (items) => {
      groups.push(items);
      await new Promise<void>((resolve) => (release = resolve));
      return items;
    }, { ...roomy, timeoutMs: 50 });
    const hung = commits.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    const behind = commits.add(2);
    const started = Date.now();
    const failures = await Promise.allSettled([hung, behind]);
    expect(Date.now() - started).to.be.below(1_000);
    for (const failure of failures) expect((failure as PromiseRejectedResult).reason).to.be.instanceOf(StoreError).and.match(/did not answer within 50 ms/);
    release();
    await commits.drain();
    expect(groups, 'the item that timed out while gathering is never committed').to.deep.equal([[1]]);
  });
});
