import { expect } from 'chai';
import { UsageError } from './errors.js';
import { parseDuration } from './parse-duration.js';
import { resolveHook } from './resolve-hook.js';

describe('resolveHook', () => {
  it('accepts kebab, snake and Pascal case, and a bare event as its pre- hook', () => {
    expect(resolveHook('pre-add-node')).to.equal('pre-add-node');
    expect(resolveHook('pre_add_node')).to.equal('pre-add-node');
    expect(resolveHook('PreAddNode')).to.equal('pre-add-node');
    expect(resolveHook('PostCreateCluster')).to.equal('post-create-cluster');
    expect(resolveHook('add_node')).to.equal('pre-add-node');
    expect(resolveHook('create-cluster')).to.equal('pre-create-cluster');
    expect(resolveHook('post_delete_cluster')).to.equal('post-delete-cluster');
  });

  it('throws UsageError for anything else', () => {
    expect(() => resolveHook('add_cluster')).to.throw(UsageError, 'unknown hook "add_cluster"');
  });
});

describe('parseDuration', () => {
  it('reads ms, s, m, h, d and bare milliseconds', () => {
    expect(['250ms', '5s', '5m', '2h', '3d', '1500', '1.5s'].map(parseDuration)).to.deep.equal([
      250, 5000, 300_000, 7_200_000, 259_200_000, 1500, 1500,
    ]);
  });

  it('refuses what is not a duration', () => {
    for (const text of ['', 'soon', '5 minutes', '-1s', '5w']) expect(parseDuration(text)).to.equal(undefined);
  });
});
