import { expect } from 'chai';
import { newWebhookId } from './new-webhook-id.js';

describe('newWebhookId', () => {
  it('gives ids of the documented shape, sorted by time and distinct across refills of its random pool', () => {
    const ids = Array.from({ length: 2_000 }, () => newWebhookId(1_700_000_000_000));
    for (const id of ids) expect(id).to.match(/^msg_[0-9a-z]{10}[A-Za-z0-9_-]{14}$/);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(newWebhookId(1_700_000_000_001) > newWebhookId(1_700_000_000_000)).to.equal(true);
  });
});
