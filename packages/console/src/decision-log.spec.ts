import { expect } from 'chai';
import type { DecisionRecord } from '@ccx-hook/server';
import { DecisionLog } from './decision-log.js';

const decision = (n: number, extra: Partial<DecisionRecord> = {}): DecisionRecord => ({
  at: n,
  hook: 'pre-add-node',
  clusterId: `c${n % 2}`,
  approved: true,
  decidedBy: 'integrator',
  reason: '',
  durationMs: 1,
  attempts: 1,
  webhookId: `msg_${n}`,
  ...extra,
});

describe('DecisionLog', () => {
  it('keeps the last decisions up to its capacity, newest first', () => {
    const log = new DecisionLog(3);
    for (let n = 1; n <= 5; n++) log.decided(decision(n));
    expect(log.list({}, 10).map((record) => record.at)).to.deep.equal([5, 4, 3]);
    expect(log.list({}, 2).map((record) => record.at)).to.deep.equal([5, 4]);
  });

  it('filters by hook, cluster, outcome and who decided', () => {
    const log = new DecisionLog(10);
    log.decided(decision(1, { approved: false, reason: 'over quota' }));
    log.decided(decision(2, { hook: 'pre-create-cluster' }));
    log.decided(decision(3, { decidedBy: 'failure_policy', approved: false }));
    expect(log.list({ approved: false }, 10).map((record) => record.at)).to.deep.equal([3, 1]);
    expect(log.list({ approved: false, decidedBy: 'integrator' }, 10).map((record) => record.reason)).to.deep.equal(['over quota']);
    expect(log.list({ hook: 'pre-create-cluster' }, 10)).to.have.length(1);
    expect(log.list({ clusterId: 'c1' }, 10).map((record) => record.at)).to.deep.equal([3, 1]);
  });
});
