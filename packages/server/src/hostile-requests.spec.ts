import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { expect } from 'chai';
import { type HookName, type Logger, silentLogger } from '@ccx-hook/hook-client';
import { http, type RawIntegrator, startRawIntegrator } from '@ccx-hook/hostile-integrator';
import { type Harness, startHarness } from './testing/grpc-harness.js';

/** Protobuf wire format, written by hand so that it can be wrong. */
const varint = (value: number) => {
  const bytes: number[] = [];
  do {
    bytes.push((value % 128) + (value >= 128 ? 128 : 0));
    value = Math.floor(value / 128);
  } while (value > 0);
  return Buffer.from(bytes);
};
const bytesField = (field: number, bytes: Buffer) => Buffer.concat([varint(field * 8 + 2), varint(bytes.length), bytes]);
const text = (field: number, value: string) => bytesField(field, Buffer.from(value));
const count = (field: number, value: number) => Buffer.concat([varint(field * 8), varint(value)]);
const message = (...fields: Buffer[]) => Buffer.concat(fields);
const cluster = text(1, 'c1');

interface BadInput {
  name: string;
  hook: HookName;
  bytes: Buffer;
  /** The field the error names; undefined when no single field is to blame. */
  field?: string;
  code?: number;
  metadata?: Metadata;
}

const badUtf8: Record<string, Buffer> = {
  'a lone continuation byte': Buffer.from([0x80]),
  'a truncated sequence': Buffer.from([0xc3]),
  'an overlong encoding': Buffer.from([0xc0, 0xaf]),
  'a UTF-16 surrogate': Buffer.from([0xed, 0xa0, 0x80]),
  'byte 0xff': Buffer.from([0x61, 0xff]),
};

// [hook, field number, field name] of string fields across the RPCs.
const stringFields: Array<[HookName, number, string]> = [
  ['pre-create-cluster', 1, 'cluster_id'],
  ['pre-create-cluster', 2, 'cluster_name'],
  ['pre-create-cluster', 3, 'datastore_type'],
  ['pre-create-cluster', 4, 'cloud'],
  ['pre-create-cluster', 6, 'instance_type'],
  ['pre-create-cluster', 7, 'auth_id'],
  ['post-create-cluster', 7, 'cluster_status'],
  ['post-create-cluster', 8, 'node_ids'],
  ['post-create-cluster', 9, 'work_id'],
  ['pre-add-node', 5, 'auth_id'],
  ['post-add-node', 5, 'node_ids'],
  ['pre-remove-node', 2, 'node_id'],
  ['post-remove-node', 4, 'status'],
  ['pre-delete-cluster', 2, 'auth_id'],
  ['post-delete-cluster', 2, 'status'],
];

const emoji = (n: number) => '😀'.repeat(n);
const longKey = new Metadata();
longKey.set('idempotency-key', 'k'.repeat(257));
const emptyKey = new Metadata();
emptyKey.set('idempotency-key', '');

/** DESIGN §6: at least 40 distinct bad inputs, each INVALID_ARGUMENT (or the size status) naming the field. */
const badInputs: BadInput[] = [
  { name: 'a lone 0xff byte', hook: 'pre-add-node', bytes: Buffer.from([0xff]) },
  { name: 'a tag with no value', hook: 'pre-add-node', bytes: Buffer.from([0x0a]) },
  { name: 'a length past the end', hook: 'pre-add-node', bytes: Buffer.from([0x0a, 0x05, 0x61]) },
  { name: 'a length of 2^32', hook: 'pre-add-node', bytes: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]) },
  { name: 'a truncated varint', hook: 'pre-add-node', bytes: Buffer.from([0x18, 0x80]) },
  { name: 'an eleven-byte varint', hook: 'pre-add-node', bytes: Buffer.concat([Buffer.from([0x18]), Buffer.alloc(11, 0xff)]) },
  { name: 'wire type 3 (start group)', hook: 'pre-add-node', bytes: Buffer.concat([cluster, Buffer.from([0x0b])]) },
  { name: 'wire type 4 (end group)', hook: 'pre-add-node', bytes: Buffer.concat([cluster, Buffer.from([0x0c])]) },
  { name: 'wire type 6', hook: 'pre-add-node', bytes: Buffer.concat([cluster, Buffer.from([0x0e])]) },
  { name: 'wire type 7', hook: 'pre-add-node', bytes: Buffer.concat([cluster, Buffer.from([0x0f])]) },
  { name: 'a fixed64 cut short', hook: 'pre-add-node', bytes: Buffer.concat([cluster, Buffer.from([0x49, 0x01])]) },
  ...Object.entries(badUtf8).map(([what, bytes]) => ({
    name: `${what} in cluster_id`,
    hook: 'pre-add-node' as const,
    bytes: bytesField(1, bytes),
    field: 'cluster_id',
  })),
  ...stringFields.map(([hook, number, field]) => ({
    name: `invalid UTF-8 in ${field} of ${hook}`,
    hook,
    bytes: message(cluster, text(2, 'n1'), bytesField(number, Buffer.from([0x61, 0xc3, 0x28]))),
    field,
  })),
  { name: 'no cluster_id', hook: 'pre-add-node', bytes: message(count(3, 1)), field: 'cluster_id' },
  { name: 'an empty cluster_id', hook: 'post-delete-cluster', bytes: message(text(1, '')), field: 'cluster_id' },
  { name: 'no node_id on pre-remove-node', hook: 'pre-remove-node', bytes: message(cluster), field: 'node_id' },
  { name: 'no node_id on post-remove-node', hook: 'post-remove-node', bytes: message(cluster), field: 'node_id' },
  { name: '257 emoji in cloud', hook: 'pre-add-node', bytes: message(cluster, text(2, emoji(257))), field: 'cloud' },
  { name: '257 characters in cluster_id', hook: 'pre-delete-cluster', bytes: message(text(1, 'c'.repeat(257))), field: 'cluster_id' },
  { name: 'auth_id of 8193 characters', hook: 'pre-add-node', bytes: message(cluster, text(5, 'a'.repeat(8193))), field: 'auth_id' },
  { name: 'node_count 1001', hook: 'pre-add-node', bytes: message(cluster, count(3, 1001)), field: 'node_count' },
  { name: '1025 node_ids', hook: 'post-add-node', bytes: message(cluster, ...Array.from({ length: 1025 }, () => text(5, 'n'))), field: 'node_ids' },
  { name: 'a node_id of 257 characters', hook: 'post-add-node', bytes: message(cluster, text(5, 'n'.repeat(257))), field: 'node_ids[0]' },
  { name: 'work_id of 257 emoji', hook: 'post-remove-node', bytes: message(cluster, text(2, 'n1'), text(3, emoji(257))), field: 'work_id' },
  { name: 'an idempotency-key of 257 characters', hook: 'post-delete-cluster', bytes: message(cluster), field: 'idempotency-key', metadata: longKey },
  { name: 'an empty idempotency-key', hook: 'post-delete-cluster', bytes: message(cluster), field: 'idempotency-key', metadata: emptyKey },
  { name: 'a message over 1 MiB', hook: 'pre-add-node', bytes: message(cluster, text(5, 'a'.repeat(1024 * 1024))), code: status.RESOURCE_EXHAUSTED },
];

describe('requests that break DESIGN §6, through the real gRPC port', function () {
  this.timeout(30_000);
  let integrator: RawIntegrator;
  let harness: Harness;
  const invalid: Array<Record<string, unknown> | undefined> = [];
  const logger: Logger = { ...silentLogger, warn: (message, meta) => message === 'invalid request' && invalid.push(meta) };

  before(async () => {
    integrator = await startRawIntegrator(http(200, '{"approved":true,"work_id":"w"}'));
    harness = await startHarness({ integratorUrl: integrator.url, logger });
    process.stdout.write(`      bad gRPC inputs: ${new Set(badInputs.map((input) => input.name)).size} distinct\n`);
  });
  after(async () => {
    await harness.close();
    await integrator.close();
  });

  it('refuses every bad input sent at once as it does one at a time, and answers the next call', async () => {
    const answers = await Promise.all(
      badInputs.map((input) => harness.callRaw(input.hook, input.bytes, input.metadata).then(() => 'OK', (failure: ServiceError) => status[failure.code])),
    );
    expect(answers).to.deep.equal(badInputs.map((input) => status[input.code ?? status.INVALID_ARGUMENT]));
    expect(await harness.call('pre-add-node', { clusterId: 'c1' })).to.include({ workId: 'w' });
  });

  for (const input of badInputs) {
    it(`refuses ${input.name} on ${input.hook}${input.field ? `, naming ${input.field}` : ''}, and answers the next call`, async () => {
      invalid.length = 0;
      const error = await harness.callRaw(input.hook, input.bytes, input.metadata).then(
        () => expect.fail('the call must fail'),
        (failure: ServiceError) => failure,
      );
      expect(status[error.code], error.details).to.equal(status[input.code ?? status.INVALID_ARGUMENT]);
      if (input.code === undefined) {
        expect(error.details).to.match(input.field ? new RegExp(`^${input.field.replace(/[[\]]/g, '\\$&')} `) : /not a valid protobuf message/);
        expect(invalid, 'logged once with the field').to.have.length(1);
        expect(invalid[0]).to.include({ field: input.field ?? 'request', hook: input.hook });
        expect(invalid[0]!.peer).to.be.a('string');
      }
      expect(await harness.call('pre-add-node', { clusterId: 'c1' })).to.include({ workId: 'w' });
    });
  }

  it('accepts 256 emoji where 256 characters are allowed', async () => {
    expect(await harness.call('pre-add-node', { clusterId: 'c1', cloud: emoji(256) })).to.include({ workId: 'w' });
  });
});
