import { expect } from 'chai';
import { CircuitBreaker } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one trial through after the cool-down, and closes on success', () => {
    const breaker = new CircuitBreaker({ threshold: 3, cooldownMs: 1000 });
    for (let i = 0; i < 3; i++) {
      expect(breaker.admit('a', 0)).to.equal('closed');
      breaker.failed('a', 0);
    }
    expect(breaker.admit('a', 500)).to.equal('open');
    expect([breaker.isOpen('a'), breaker.isOpen('b')]).to.deep.equal([true, false]);
    expect(breaker.admit('b', 500)).to.equal('closed');
    expect(breaker.admit('a', 1000)).to.equal('trial');
    expect(breaker.admit('a', 1001)).to.equal('open', 'one trial at a time');
    breaker.failed('a', 1001);
    expect(breaker.admit('a', 1500)).to.equal('open');
    expect(breaker.admit('a', 2001)).to.equal('trial');
    expect(breaker.isOpen('a')).to.equal(true, 'open while its trial runs');
    breaker.succeeded('a');
    expect(breaker.isOpen('a')).to.equal(false);
    expect(breaker.admit('a', 2002)).to.equal('closed');
    breaker.failed('a', 2002);
    expect(breaker.admit('a', 2003)).to.equal('closed');
  });

  it('frees the next trial when a trial ends without a verdict', () => {
    const breaker = new CircuitBreaker({ threshold: 1, cooldownMs: 1000 });
    breaker.failed('a', 0);
    expect(breaker.admit('a', 1000)).to.equal('trial');
    breaker.released('a');
    expect(breaker.admit('a', 1001)).to.equal('trial');
  });
});
