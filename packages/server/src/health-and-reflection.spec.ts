import { createRequire } from 'node:module';
import { credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { expect } from 'chai';
import { healthProtoPath } from '@ccx-hook/proto';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { CircuitBreaker, HookClient, hookNames, silentLogger } from '@ccx-hook/hook-client';
import type { HooksSettings } from './hook-settings.js';
import { type RunningServer, startServer } from './start-server.js';
import { temporaryStore } from './testing/temporary-store.js';

// Loaded proto services are untyped.
type Loaded = Record<string, any>;

const reflectionProtoOf = (version: string) => createRequire(import.meta.url).resolve(`@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`);
const reflectionProto = reflectionProtoOf('v1');

describe('health and reflection', () => {
  let server: RunningServer;
  let address: string;

  let store: Awaited<ReturnType<typeof temporaryStore>>;

  beforeEach(async () => {
    store = await temporaryStore();
    const hooks = Object.fromEntries(
      hookNames.map((hook) => [hook, { failurePolicy: 'fail-closed', timeoutMs: 100 }]),
    ) as unknown as HooksSettings;
    server = await startServer({
      address: '127.0.0.1:0',
      hooks,
      preHooks: { budgetMs: 100, attempts: 3, deadlineMarginMs: 10, rejectionMessage: 'no' },
      breaker: new CircuitBreaker(),
      client: new HookClient(),
      store: store.store,
      logger: silentLogger,
    });
    address = `127.0.0.1:${server.port}`;
  });
  afterEach(async () => {
    await server.shutdown(1000);
    await store.remove();
  });

  it('answers grpc.health.v1.Health for the server and the HookService', async () => {
    const health = (loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as Loaded).grpc.health.v1.Health;
    const client = new health(address, credentials.createInsecure());
    for (const service of ['', 'ccx.hook.v1.HookService']) {
      const reply = await new Promise<{ status: string }>((resolve, reject) =>
        client.check({ service }, (error: ServiceError | null, response: { status: string }) => (error ? reject(error) : resolve(response))),
      );
      expect(reply.status).to.equal('SERVING');
    }
    client.close();
  });

  for (const version of ['v1', 'v1alpha']) {
    it(`lists the HookService through server reflection ${version}`, async () => {
      const reflection = (loadPackageDefinition(loadSync(reflectionProtoOf(version))) as Loaded).grpc.reflection[version].ServerReflection;
      const client = new reflection(address, credentials.createInsecure());
      const call = client.serverReflectionInfo();
      const services = await new Promise<string[]>((resolve, reject) => {
        call.on('data', (response: { listServicesResponse: { service: Array<{ name: string }> } }) =>
          resolve(response.listServicesResponse.service.map((service) => service.name)),
        );
        call.on('error', reject);
        call.write({ listServices: '' });
      });
      call.end();
      client.close();
      expect(services).to.include.members(['ccx.hook.v1.HookService', 'grpc.health.v1.Health']);
    });
  }

  it('describes the .proto as written, so that a client built from reflection alone sends {"cluster_id": …}', async () => {
    const reflection = (loadPackageDefinition(loadSync(reflectionProto)) as Loaded).grpc.reflection.v1.ServerReflection;
    const client = new reflection(address, credentials.createInsecure());
    const call = client.serverReflectionInfo();
    const files = await new Promise<Buffer[]>((resolve, reject) => {
      call.on('data', (response: { fileDescriptorResponse: { fileDescriptorProto: Buffer[] } }) =>
        resolve(response.fileDescriptorResponse.fileDescriptorProto),
      );
      call.on('error', reject);
      call.write({ fileContainingSymbol: 'ccx.hook.v1.HookService' });
    });
    call.end();
    client.close();
    const decoded = files.map((file) => descriptor.FileDescriptorProto.decode(file) as unknown as { messageType: Array<{ name: string; field: Array<{ name: string }> }> });
    const request = decoded.flatMap((file) => file.messageType).find((type) => type.name === 'PreAddNodeRequest')!;
    expect(request.field.map((field) => field.name)).to.deep.equal(['cluster_id', 'cloud', 'node_count', 'instance_type', 'auth_id']);

    const root = (protobuf.Root as unknown as { fromDescriptor(set: unknown): protobuf.Root }).fromDescriptor({ file: decoded });
    const Request = root.lookupType('ccx.hook.v1.PreAddNodeRequest');
    const Response = root.lookupType('ccx.hook.v1.PreAddNodeResponse');
    const generic = new reflection(address, credentials.createInsecure());
    const answer = await new Promise<Record<string, unknown>>((resolve, reject) =>
      generic.makeUnaryRequest(
        '/ccx.hook.v1.HookService/PreAddNode',
        (value: Record<string, unknown>) => Buffer.from(Request.encode(Request.fromObject(value)).finish()),
        (bytes: Buffer) => Response.toObject(Response.decode(bytes), { enums: String }),
        { cluster_id: 'c1', node_count: 2 },
        (error: ServiceError | null, response: Record<string, unknown>) => (error ? reject(error) : resolve(response)),
      ),
    );
    generic.close();
    expect(answer).to.deep.include({ approved: true, decided_by: 'DECIDED_BY_HOOK_DISABLED' });
  });
});
