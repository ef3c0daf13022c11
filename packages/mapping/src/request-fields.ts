import type { HookName } from './hook-name.js';
import { limits } from './limits.js';

/** One request field: its public snake_case name, its proto (camelCase) key and its limits. */
export interface FieldSpec {
  /** snake_case name in the HTTP body and in error messages. */
  readonly name: string;
  /** camelCase key of the ts-proto message. */
  readonly key: string;
  /** `string`, `count` (uint32 `node_count`) or `strings` (`node_ids`). */
  readonly kind: 'string' | 'count' | 'strings';
  /** Longest string, largest count, or most entries. */
  readonly max: number;
  /** Must be non-empty. */
  readonly required?: boolean;
}

const text = (name: string, key: string, required = false): FieldSpec => ({
  name,
  key,
  kind: 'string',
  max: limits.string,
  required,
});

const clusterId = text('cluster_id', 'clusterId', true);
const clusterName = text('cluster_name', 'clusterName');
const datastoreType = text('datastore_type', 'datastoreType');
const cloud = text('cloud', 'cloud');
const nodeCount: FieldSpec = { name: 'node_count', key: 'nodeCount', kind: 'count', max: limits.nodeCount };
const instanceType = text('instance_type', 'instanceType');
const authId: FieldSpec = { name: 'auth_id', key: 'authId', kind: 'string', max: limits.authId };
const clusterStatus = text('cluster_status', 'clusterStatus');
const nodeIds: FieldSpec = { name: 'node_ids', key: 'nodeIds', kind: 'strings', max: limits.nodeIds };
const workId = text('work_id', 'workId');
const status = text('status', 'status');
const nodeId = text('node_id', 'nodeId', true);

/** The request fields of each hook, in the order of DESIGN §2; they are also the HTTP body. */
export const requestFields: Readonly<Record<HookName, readonly FieldSpec[]>> = {
  'pre-create-cluster': [clusterId, clusterName, datastoreType, cloud, nodeCount, instanceType, authId],
  'post-create-cluster': [
    clusterId,
    clusterName,
    datastoreType,
    cloud,
    nodeCount,
    instanceType,
    clusterStatus,
    nodeIds,
    workId,
  ],
  'pre-add-node': [clusterId, cloud, nodeCount, instanceType, authId],
  'post-add-node': [clusterId, cloud, nodeCount, instanceType, nodeIds, workId, status],
  'pre-remove-node': [clusterId, nodeId, authId],
  'post-remove-node': [clusterId, nodeId, workId, status],
  'pre-delete-cluster': [clusterId, authId],
  'post-delete-cluster': [clusterId, status, workId],
};
