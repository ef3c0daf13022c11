import type {
  PostAddNodeRequest,
  PostCreateClusterRequest,
  PostDeleteClusterRequest,
  PostRemoveNodeRequest,
  PreAddNodeRequest,
  PreAddNodeResponse,
  PreCreateClusterRequest,
  PreCreateClusterResponse,
  PreDeleteClusterRequest,
  PreDeleteClusterResponse,
  PreRemoveNodeRequest,
  PreRemoveNodeResponse,
} from '@ccx-hook/proto';

/** The generated request message of each hook's RPC. */
export interface HookRequests {
  'pre-create-cluster': PreCreateClusterRequest;
  'post-create-cluster': PostCreateClusterRequest;
  'pre-add-node': PreAddNodeRequest;
  'post-add-node': PostAddNodeRequest;
  'pre-remove-node': PreRemoveNodeRequest;
  'post-remove-node': PostRemoveNodeRequest;
  'pre-delete-cluster': PreDeleteClusterRequest;
  'post-delete-cluster': PostDeleteClusterRequest;
}

/** The generated response message of each pre- hook's RPC. */
export interface PreHookResponses {
  'pre-create-cluster': PreCreateClusterResponse;
  'pre-add-node': PreAddNodeResponse;
  'pre-remove-node': PreRemoveNodeResponse;
  'pre-delete-cluster': PreDeleteClusterResponse;
}
