import { expect } from 'chai';
import { CircuitBreaker } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  it('opens after the threshold, lets one trial through after the cool-down, and closes on success', () => {
    const breaker = new CircuitBreaker({ threshold: 3, cooldownMs: 1000 });
    for (let i = 0; i < 3; i++) {
      expect(breaker.allow('a', 0)).to.equal(true);
      breaker.failed('a', 0);
    }
    expect(breaker.allow('a', 500)).to.equal(false);
    expect(breaker.allow('b', 500)).to.equal(true);
    expect(breaker.allow('a', 1000)).to.equal(true);
    expect(breaker.allow('a', 1001)).to.equal(false);
    breaker.failed('a', 1001);
    expect(breaker.allow('a', 1500)).to.equal(false);
    expect(breaker.allow('a', 2001)).to.equal(true);
    breaker.succeeded('a');
    expect(breaker.allow('a', 2002)).to.equal(true);
    breaker.failed('a', 2002);
    expect(breaker.allow('a', 2003)).to.equal(true);
  });
});
