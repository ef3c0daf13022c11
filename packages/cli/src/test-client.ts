import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { HookName } from '@ccx-hook/mapping';
import * as proto from '@ccx-hook/proto';
import { CommandError, UsageError } from './errors.js';

/** What `callHook` sends. */
export interface TestCall {
  /** `host:port` of the service. */
  address: string;
  hook: HookName;
  /** The request in the protobuf JSON mapping (camelCase). */
  json: string;
  /** The call's deadline from now, in ms. */
  timeoutMs: number;
  /** Sent as `idempotency-key` metadata. */
  idempotencyKey?: string;
}

interface Codec {
  fromJSON(object: unknown): object;
  toJSON(message: never): unknown;
  fromPartial(object: object): object;
}

const codecs: Record<HookName, [request: Codec, response: Codec]> = {
  'pre-create-cluster': [proto.PreCreateClusterRequest, proto.PreCreateClusterResponse],
  'post-create-cluster': [proto.PostCreateClusterRequest, proto.PostCreateClusterResponse],
  'pre-add-node': [proto.PreAddNodeRequest, proto.PreAddNodeResponse],
  'post-add-node': [proto.PostAddNodeRequest, proto.PostAddNodeResponse],
  'pre-remove-node': [proto.PreRemoveNodeRequest, proto.PreRemoveNodeResponse],
  'post-remove-node': [proto.PostRemoveNodeRequest, proto.PostRemoveNodeResponse],
  'pre-delete-cluster': [proto.PreDeleteClusterRequest, proto.PreDeleteClusterResponse],
  'post-delete-cluster': [proto.PostDeleteClusterRequest, proto.PostDeleteClusterResponse],
};

/**
 * Calls one RPC of the running service and resolves with its response as protobuf JSON,
 * every field included. Throws `UsageError` for JSON that is not a request of the hook,
 * `CommandError` when the call fails (with the gRPC status name and details).
 */
export async function callHook(call: TestCall): Promise<Record<string, unknown>> {
  const [requestCodec, responseCodec] = codecs[call.hook];
  const request = requestCodec.fromJSON(parseRequestJson(call.json, Object.keys(requestCodec.fromPartial({}))));
  const method = call.hook.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  const client = new proto.HookServiceClient(call.address, credentials.createInsecure());
  const metadata = new Metadata();
  if (call.idempotencyKey) metadata.set('idempotency-key', call.idempotencyKey);
  try {
    const response = await new Promise<object>((resolve, reject) => {
      const invoke = (client as unknown as Record<string, Function>)[method]!.bind(client);
      invoke(request, metadata, { deadline: Date.now() + call.timeoutMs }, (error: ServiceError | null, reply: object) =>
        error ? reject(error) : resolve(reply),
      );
    });
    return withDefaults(response, responseCodec.toJSON(response as never) as Record<string, unknown>);
  } catch (error) {
    const failure = error as ServiceError;
    const code = failure.code === undefined ? 'ERROR' : status[failure.code];
    throw new CommandError(`${call.hook} failed: ${code}: ${failure.details || failure.message}`, { cause: error });
  } finally {
    client.close();
  }
}

function parseRequestJson(json: string, keys: string[]): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new UsageError(`the request is not valid JSON: ${json}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('the request must be a JSON object, e.g. {"clusterId":"1"}');
  }
  const snake = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  for (const key of Object.keys(parsed)) {
    if (!keys.includes(key) && !keys.map(snake).includes(key)) {
      throw new UsageError(`unknown request field "${key}"; this hook takes ${keys.join(', ')}`);
    }
  }
  return parsed;
}

/** The protobuf JSON of `message` with default values kept, in field order. */
function withDefaults(message: object, json: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(message).map(([key, value]) => [
      key,
      json[key] ?? (key === 'decidedBy' ? proto.decidedByToJSON(value as proto.DecidedBy) : value),
    ]),
  );
}
