import { credentials, loadPackageDefinition, Server, ServerCredentials, type ServiceError, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { expect } from 'chai';
import { healthProtoPath, ServingStatus } from '@ccx-hook/proto';
import { Health } from './health.js';

// Loaded proto services are untyped.
type Loaded = Record<string, any>;

describe('Health (grpc.health.v1)', () => {
  let server: Server;
  let client: Loaded;
  let health: Health;

  beforeEach(async () => {
    server = new Server();
    health = new Health({ '': ServingStatus.SERVING, 'ccx.hook.v1.HookService': ServingStatus.SERVING });
    health.addToServer(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    // A client from health.proto as gRPC publishes it, as probes and grpcurl use it.
    const service = (loadPackageDefinition(loadSync(healthProtoPath, { enums: String })) as Loaded).grpc.health.v1.Health;
    client = new service(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  afterEach(() => {
    client.close();
    server.forceShutdown();
  });

  const check = (service: string) =>
    new Promise<string>((resolve, reject) =>
      client.check({ service }, (error: ServiceError | null, reply: { status: string }) => (error ? reject(error) : resolve(reply.status))),
    );

  it('answers Check with the status set, and NOT_FOUND for a service it does not know', async () => {
    expect(await check('')).to.equal('SERVING');
    health.setStatus('ccx.hook.v1.HookService', ServingStatus.NOT_SERVING);
    expect(await check('ccx.hook.v1.HookService')).to.equal('NOT_SERVING');
    const unknown = await check('other').catch((error: ServiceError) => error);
    expect((unknown as ServiceError).code).to.equal(status.NOT_FOUND);
  });

  it('sends Watch the status at once and again each time it changes, and SERVICE_UNKNOWN for an unknown service', async () => {
    const watch = (service: string) => {
      const call = client.watch({ service });
      const messages: AsyncIterator<{ status: string }> = call[Symbol.asyncIterator]();
      return { call, next: async () => (await messages.next()).value.status };
    };
    const watched = watch('');
    const unknown = watch('other');
    expect(await watched.next()).to.equal('SERVING');
    expect(await unknown.next()).to.equal('SERVICE_UNKNOWN');
    health.setStatus('', ServingStatus.SERVING); // no change: nothing sent
    health.setStatus('', ServingStatus.NOT_SERVING);
    expect(await watched.next()).to.equal('NOT_SERVING');
    health.setStatus('', ServingStatus.SERVING);
    expect(await watched.next()).to.equal('SERVING');
    health.setStatus('other', ServingStatus.SERVING);
    expect(await unknown.next(), 'a service that becomes known').to.equal('SERVING');
    for (const { call } of [watched, unknown]) {
      call.on('error', () => undefined);
      call.cancel();
    }
  });

  it('lists every status with List', async () => {
    health.setStatus('', ServingStatus.NOT_SERVING);
    const reply = await new Promise<{ statuses: Record<string, { status: string }> }>((resolve, reject) =>
      client.list({}, (error: ServiceError | null, response: { statuses: Record<string, { status: string }> }) => (error ? reject(error) : resolve(response))),
    );
    expect(reply.statuses).to.deep.equal({ '': { status: 'NOT_SERVING' }, 'ccx.hook.v1.HookService': { status: 'SERVING' } });
  });
});
