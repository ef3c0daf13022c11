import { expect } from 'chai';
import { InvalidReplyError } from './errors.js';
import { parsePreReply } from './parse-pre-reply.js';

describe('parsePreReply', () => {
  it('reads the decision and the keys of pre-create-cluster, ignoring unknown keys', () => {
    const reply = parsePreReply(
      'pre-create-cluster',
      JSON.stringify({ approved: false, work_id: 'w', user_id: 'u', project_id: 'p', organisation_id: 'o', reason: 'no', extra: 1 }),
    );
    expect(reply).to.deep.equal({ approved: false, workId: 'w', userId: 'u', projectId: 'p', organisationId: 'o', reason: 'no' });
  });

  it('keeps only work_id and reason for pre-add-node', () => {
    const reply = parsePreReply('pre-add-node', JSON.stringify({ approved: true, work_id: 'w', user_id: 'u' }));
    expect(reply).to.include({ approved: true, workId: 'w', userId: '' });
  });

  it('ignores approved on hooks that cannot reject', () => {
    expect(parsePreReply('pre-remove-node', '{"approved":false,"work_id":"w"}')).to.include({ approved: true, workId: 'w' });
    expect(parsePreReply('pre-delete-cluster', '{}')).to.include({ approved: true, workId: '' });
  });

  for (const [body, why] of [
    ['not json', 'not JSON'],
    ['[1]', 'not a JSON object'],
    ['{}', 'no "approved"'],
    ['{"approved":"yes"}', 'not a boolean'],
    ['{"approved":true,"work_id":5}', '"work_id" is not a string'],
    [JSON.stringify({ approved: false, reason: 'r'.repeat(1025) }), '"reason" is longer than 1024'],
    [JSON.stringify({ approved: true, work_id: 'w'.repeat(257) }), '"work_id" is longer than 256'],
    ['{"approved":false,"approved":true}', '"approved" more than once'],
    ['{"x":{"approved":1},"approved":true,"approved":true}', '"approved" more than once'],
    ['{"approved":false,"appro\\u0076ed":true}', '"approved" more than once'],
  ] as const) {
    it(`fails a reply whose ${why}`, () => {
      expect(() => parsePreReply('pre-add-node', body)).to.throw(InvalidReplyError, why);
    });
  }

  it('takes any body as the answer of a hook that cannot reject', () => {
    for (const body of ['', 'OK', 'null', '[1]']) {
      expect(parsePreReply('pre-remove-node', body), JSON.stringify(body)).to.include({ approved: true, workId: '' });
    }
  });

  it('counts lengths in code points, and does not mistake a nested or quoted "approved" for a repeat', () => {
    expect(parsePreReply('pre-add-node', JSON.stringify({ approved: true, work_id: '😀'.repeat(256) })).workId).to.have.length(512);
    expect(() => parsePreReply('pre-add-node', JSON.stringify({ approved: true, work_id: '😀'.repeat(257) }))).to.throw(InvalidReplyError);
    const body = '{"note":"\\"approved\\":1,","x":{"approved":false},"approved":true}';
    expect(parsePreReply('pre-add-node', body).approved).to.equal(true);
  });
});
