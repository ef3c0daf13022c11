import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { HookName } from '@ccx-hook/hook-client';
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
  /** Call over TLS; plaintext when absent. */
  tls?: ClientTls;
}

/** TLS of `test-client` (PEM text). */
export interface ClientTls {
  /** CA that issued the server's certificate; default: the system's CAs. */
  ca?: string;
  /** A client certificate and its key, for mutual TLS. */
  cert?: string;
  key?: string;
  /** The name the server's certificate must carry, when it is not the address's host. */
  serverName?: string;
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
  const request = requestCodec.fromJSON(parseRequestJson(call.json, requestCodec.fromPartial({}) as Record<string, unknown>));
  const method = call.hook.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  const client = new proto.HookServiceClient(call.address, channelCredentials(call.tls), channelOptions(call.tls));
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
    const details = (failure.details || failure.message).replace(/\s*Resolution note:\s*$/, '');
    throw new CommandError(`${call.hook} failed: ${code}: ${details}`, { cause: error });
  } finally {
    client.close();
  }
}

/** Where JSON.parse stopped, as " (at character N)", without quoting the text. */
function jsonErrorPosition(json: string): string {
  try {
    JSON.parse(json);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message);
    if (position) return ` (at character ${Number(position[1]) + 1} of ${json.length})`;
  }
  return '';
}

/** Parses the request; `defaults` (the empty request) names its fields and their types. */
function channelCredentials(tls: ClientTls | undefined) {
  if (!tls) return credentials.createInsecure();
  const pem = (text: string | undefined) => (text === undefined ? null : Buffer.from(text));
  return credentials.createSsl(pem(tls.ca), pem(tls.key), pem(tls.cert));
}

function channelOptions(tls: ClientTls | undefined): Record<string, string> {
  if (!tls?.serverName) return {};
  return { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName };
}

function parseRequestJson(json: string, defaults: Record<string, unknown>): unknown {
  const keys = Object.keys(defaults);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    // Not quoted: the request may hold a session id (authId).
    throw new UsageError(`the request is not valid JSON${jsonErrorPosition(json)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('the request must be a JSON object, e.g. {"clusterId":"1"}');
  }
  const snake = (key: string) => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  for (const [key, value] of Object.entries(parsed)) {
    const field = keys.find((candidate) => candidate === key || snake(candidate) === key);
    if (field === undefined) throw new UsageError(`unknown request field "${key}"; this hook takes ${keys.join(', ')}`);
    const expected = fieldType(defaults[field]);
    // The value is not quoted: it may be a session id (authId).
    if (value !== null && !fitsType(value, expected)) throw new UsageError(`request field "${key}" must be ${expected}, got ${jsonType(value)}`);
  }
  return parsed;
}

type FieldType = 'a string' | 'a boolean' | 'a whole number from 0 to 4294967295' | 'an array of strings';

function fieldType(empty: unknown): FieldType {
  if (typeof empty === 'boolean') return 'a boolean';
  if (typeof empty === 'number') return 'a whole number from 0 to 4294967295';
  if (Array.isArray(empty)) return 'an array of strings';
  return 'a string';
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? (value < 0 ? 'a negative number' : 'a number out of range') : 'a fraction';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function fitsType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'a boolean':
      return typeof value === 'boolean';
    case 'a whole number from 0 to 4294967295': {
      // The protobuf JSON mapping writes a uint32 as a number or a decimal string.
      const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
      return typeof number === 'number' && Number.isInteger(number) && number >= 0 && number <= 0xffff_ffff;
    }
    case 'an array of strings':
      return Array.isArray(value) && value.every((item) => typeof item === 'string');
    case 'a string':
      return typeof value === 'string';
  }
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
