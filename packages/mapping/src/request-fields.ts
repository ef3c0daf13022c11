import type { HookRequests } from './hook-messages.js';
import { type HookName, hookNames } from '@ccx-hook/hook-client';
import { limits } from './limits.js';
import { snakeCase } from './snake-case.js';

/** What a request field may hold: a string, a count (uint32) or a list of strings. */
type FieldKind<Value> = Value extends string ? 'string' : Value extends number ? 'count' : Value extends readonly string[] ? 'strings' : never;

/** A field's limits (DESIGN §6). */
interface FieldLimit<Kind> {
  readonly kind: Kind;
  /** Longest string, largest count, or most entries. */
  readonly max: number;
  /** Must be non-empty. */
  readonly required?: boolean;
}

/**
 * The limits of every field of a message, keyed by its ts-proto key: the compiler checks that
 * each field of the .proto is listed, under its name and with its kind.
 */
type MessageLimits<Message> = { readonly [Key in keyof Message]-?: FieldLimit<FieldKind<Message[Key]>> };

/** One request field: its public snake_case name, its ts-proto (camelCase) key and its limits. */
export interface FieldSpec extends FieldLimit<'string' | 'count' | 'strings'> {
  /** snake_case name in the HTTP body and in error messages. */
  readonly name: string;
  /** camelCase key of the ts-proto message. */
  readonly key: string;
}

const text: FieldLimit<'string'> = { kind: 'string', max: limits.string };
const clusterId: FieldLimit<'string'> = { ...text, required: true };
const nodeId = clusterId;
const authId: FieldLimit<'string'> = { kind: 'string', max: limits.authId };
const nodeCount: FieldLimit<'count'> = { kind: 'count', max: limits.nodeCount };
const nodeIds: FieldLimit<'strings'> = { kind: 'strings', max: limits.nodeIds };

/** The fields of each hook's request message, in the order of DESIGN §2 (the order of the HTTP body). */
const requestLimits: { readonly [Hook in HookName]: MessageLimits<HookRequests[Hook]> } = {
  'pre-create-cluster': {
    clusterId,
    clusterName: text,
    datastoreType: text,
    cloud: text,
    nodeCount,
    instanceType: text,
    authId,
  },
  'post-create-cluster': {
    clusterId,
    clusterName: text,
    datastoreType: text,
    cloud: text,
    nodeCount,
    instanceType: text,
    clusterStatus: text,
    nodeIds,
    workId: text,
  },
  'pre-add-node': { clusterId, cloud: text, nodeCount, instanceType: text, authId },
  'post-add-node': { clusterId, cloud: text, nodeCount, instanceType: text, nodeIds, workId: text, status: text },
  'pre-remove-node': { clusterId, nodeId, authId },
  'post-remove-node': { clusterId, nodeId, workId: text, status: text },
  'pre-delete-cluster': { clusterId, authId },
  'post-delete-cluster': { clusterId, status: text, workId: text },
};

/** The request fields of each hook, named as in the .proto; they are also the HTTP body. */
export const requestFields = {} as Record<HookName, readonly FieldSpec[]>;
for (const hook of hookNames) {
  const fields: Record<string, FieldLimit<FieldSpec['kind']>> = requestLimits[hook];
  requestFields[hook] = Object.entries(fields).map(([key, limit]) => ({ name: snakeCase(key), key, ...limit }));
}
