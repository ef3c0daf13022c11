import { expect } from 'chai';
import { StoreError } from './errors.js';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  it('commits what arrives in one turn together, and what arrives during a commit as the next group', async () => {
    const groups: number[][] = [];
    let release: () => void = () => undefined;
    const commits = new GroupCommit<number, string>(async (items) => {
      groups.push(items);
      if (groups.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return items.map((item) => `id-${item}`);
    });
    const first = [1, 2, 3].map((n) => commits.add(n));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 5].map((n) => commits.add(n));
    let settled = false;
    void Promise.all(first).then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled, 'nothing resolves before its commit').to.equal(false);
    release();
    expect(await Promise.all([...first, ...second])).to.deep.equal(['id-1', 'id-2', 'id-3', 'id-4', 'id-5']);
    expect(groups).to.deep.equal([[1, 2, 3], [4, 5]]);
  });

  it('rejects every item of a failed group with StoreError, and commits the next group', async () => {
    let calls = 0;
    const commits = new GroupCommit<number, number>(async (items) => {
      calls++;
      if (calls === 1) throw new Error('disk full');
      return items;
    });
    const failed = await Promise.allSettled([commits.add(1), commits.add(2)]);
    expect(failed.map((result) => result.status)).to.deep.equal(['rejected', 'rejected']);
    expect((failed[0] as PromiseRejectedResult).reason).to.be.instanceOf(StoreError);
    expect(await commits.add(3)).to.equal(3);
  });
});
