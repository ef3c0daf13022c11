import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { protoPath } from '@ccx-hook/proto';
import { protoPath as healthProtoPath } from 'grpc-health-check';

let parsed: PackageDefinition | undefined;

/**
 * `hook_service.proto` and the health service's, parsed once (with field names as written,
 * `cluster_id`, as grpcurl-style clients expect): reflection describes them, and strict
 * decoding reads the string fields of each request from them.
 */
export function protoDefinitions(): PackageDefinition {
  parsed ??= loadSync([protoPath, healthProtoPath], { keepCase: true });
  return parsed;
}
