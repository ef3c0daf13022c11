import { expect } from 'chai';
import { InvalidRequestError } from './errors.js';
import { toPayload } from './to-payload.js';

const fieldOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).to.be.instanceOf(InvalidRequestError);
    return (error as InvalidRequestError).field;
  }
  throw new Error('expected InvalidRequestError');
};

describe('toPayload', () => {
  it('maps every field of a hook to snake_case, node_count a number and node_ids an array', () => {
    const payload = toPayload('post-create-cluster', {
      clusterId: 'c1',
      clusterName: 'name',
      datastoreType: 'postgres',
      cloud: 'aws',
      nodeCount: 3,
      instanceType: 'm5',
      clusterStatus: 'ok',
      nodeIds: ['n1', 'n2'],
      workId: 'w1',
    });
    expect(payload).to.deep.equal({
      cluster_id: 'c1',
      cluster_name: 'name',
      datastore_type: 'postgres',
      cloud: 'aws',
      node_count: 3,
      instance_type: 'm5',
      cluster_status: 'ok',
      node_ids: ['n1', 'n2'],
      work_id: 'w1',
    });
  });

  it('fills absent fields with their proto3 defaults', () => {
    expect(toPayload('post-delete-cluster', { clusterId: 'c1' })).to.deep.equal({ cluster_id: 'c1', status: '', work_id: '' });
  });

  it('requires cluster_id on every hook and node_id on remove node', () => {
    expect(fieldOf(() => toPayload('pre-delete-cluster', { clusterId: '' }))).to.equal('cluster_id');
    expect(fieldOf(() => toPayload('post-remove-node', { clusterId: 'c1', nodeId: '' }))).to.equal('node_id');
    expect(fieldOf(() => toPayload('pre-remove-node', { clusterId: 'c1' }))).to.equal('node_id');
  });

  it('limits strings to 256 characters, auth_id to 8192', () => {
    expect(fieldOf(() => toPayload('pre-add-node', { clusterId: 'c1', cloud: 'x'.repeat(257) }))).to.equal('cloud');
    expect(() => toPayload('pre-add-node', { clusterId: 'c1', cloud: 'x'.repeat(256), authId: 'a'.repeat(8192) })).not.to.throw();
    expect(fieldOf(() => toPayload('pre-add-node', { clusterId: 'c1', authId: 'a'.repeat(8193) }))).to.equal('auth_id');
    expect(fieldOf(() => toPayload('pre-add-node', { clusterId: 'c'.repeat(257) }))).to.equal('cluster_id');
  });

  it('counts characters as code points: 256 emoji fit, 257 do not', () => {
    expect(() => toPayload('pre-add-node', { clusterId: 'c1', cloud: '😀'.repeat(256) })).not.to.throw();
    expect(fieldOf(() => toPayload('pre-add-node', { clusterId: 'c1', cloud: '😀'.repeat(257) }))).to.equal('cloud');
  });

  it('limits node_count to 1000 and node_ids to 1024 entries of 256 characters', () => {
    expect(fieldOf(() => toPayload('pre-add-node', { clusterId: 'c1', nodeCount: 1001 }))).to.equal('node_count');
    const ids = Array.from({ length: 1025 }, (_, i) => `n${i}`);
    expect(fieldOf(() => toPayload('post-add-node', { clusterId: 'c1', nodeIds: ids }))).to.equal('node_ids');
    expect(fieldOf(() => toPayload('post-add-node', { clusterId: 'c1', nodeIds: ['n', 'x'.repeat(257)] }))).to.equal('node_ids[1]');
  });
});
