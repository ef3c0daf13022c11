import { credentials, Metadata, Server, ServerCredentials, type ServiceError, status } from '@grpc/grpc-js';
import { expect } from 'chai';
import { CircuitBreaker, HookClient, hookNames, silentLogger } from '@ccx-hook/hook-client';
import { HookServiceClient, PostDeleteClusterRequest } from '@ccx-hook/proto';
import { HookService } from './hook-service.js';
import { PreHookCaller } from './pre-hook-caller.js';
import type { HooksSettings } from './hook-settings.js';
import { temporaryStore } from './testing/temporary-store.js';

describe('HookService.close', () => {
  it('answers every call that arrives after it UNAVAILABLE, while the server itself still accepts calls', async () => {
    const hooks = Object.fromEntries(
      hookNames.map((hook) => [hook, { url: `http://127.0.0.1:1/${hook}`, failurePolicy: 'fail-closed', timeoutMs: 100 }]),
    ) as unknown as HooksSettings;
    const preHooks = new PreHookCaller({
      client: new HookClient(),
      breaker: new CircuitBreaker(),
      hooks,
      policy: { budgetMs: 100, attempts: 1, deadlineMarginMs: 10, rejectionMessage: 'no' },
      logger: silentLogger,
    });
    const { store, remove } = await temporaryStore();
    const service = new HookService({ hooks, preHooks, store, logger: silentLogger });
    const server = new Server();
    service.addToServer(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    const client = new HookServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const call = () =>
      new Promise<{ deliveryId: string }>((resolve, reject) =>
        client.postDeleteCluster(PostDeleteClusterRequest.fromPartial({ clusterId: 'c1' }), new Metadata(), (error: ServiceError | null, response) =>
          error ? reject(error) : resolve(response),
        ),
      );
    try {
      expect((await call()).deliveryId).to.match(/^msg_/);
      service.close();
      const error = await call().then(
        () => expect.fail('a call after close() must fail'),
        (failure: ServiceError) => failure,
      );
      expect(error.code).to.equal(status.UNAVAILABLE);
    } finally {
      client.close();
      preHooks.close();
      server.forceShutdown();
      await remove();
    }
  });
});
