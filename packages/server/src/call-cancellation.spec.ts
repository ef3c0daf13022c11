import { expect } from 'chai';
import { CallCancellation } from './call-cancellation.js';

describe('CallCancellation', () => {
  it('runs the listeners still added once, in order, when aborted twice', () => {
    const cancellation = new CallCancellation();
    const ran: string[] = [];
    const first = () => ran.push('first');
    const removed = () => ran.push('removed');
    cancellation.addEventListener('abort', first);
    cancellation.addEventListener('abort', removed);
    cancellation.addEventListener('abort', () => ran.push('last'));
    cancellation.removeEventListener('abort', removed);
    cancellation.abort();
    cancellation.abort();
    expect(ran).to.deep.equal(['first', 'last']);
    expect(cancellation.aborted).to.equal(true);
  });

  it('never runs a listener added after the abort, as an AbortSignal would not', () => {
    const cancellation = new CallCancellation();
    cancellation.abort();
    let ran = false;
    cancellation.addEventListener('abort', () => (ran = true));
    cancellation.abort();
    expect(ran).to.equal(false);
  });
});
