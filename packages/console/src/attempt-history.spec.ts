import { expect } from 'chai';
import { AttemptHistory, historyMinutes } from './attempt-history.js';

describe('AttemptHistory', () => {
  it('counts attempts per minute by result, and shows only the last hour', () => {
    let now = Date.UTC(2026, 10, 29, 12, 0, 30);
    const history = new AttemptHistory(() => now);
    history.attempted('post-add-node', '2xx');
    history.attempted('pre-add-node', '2xx');
    history.attempted('post-add-node', '5xx');
    now += 60_000;
    history.attempted('post-add-node', 'timeout');
    let hour = history.lastHour();
    expect(hour).to.have.length(historyMinutes);
    expect(hour.at(-1)).to.deep.equal({ minute: Date.UTC(2026, 10, 29, 12, 1), counts: { timeout: 1 } });
    expect(hour.at(-2)!.counts).to.deep.equal({ '2xx': 2, '5xx': 1 });
    now += historyMinutes * 60_000;
    history.attempted('post-add-node', '2xx');
    hour = history.lastHour();
    expect(hour.filter(({ counts }) => Object.keys(counts).length > 0)).to.have.length(1);
  });
});
