/**
 * The baseline of the service benchmarks: a bare grpc-js server with the same service
 * definition, whose pre-add-node handler makes one got POST to the integrator and whose
 * post-add-node handler answers at once — no validation, signing, logging or store. The POST
 * carries the body the service sends for the benchmark's call, and the headers a hook has
 * (unsigned, as the service runs in the benchmark), as constants: the same bytes on the wire.
 * With `empty-cache-options` as a third argument, got is set up as the service's `HookClient`
 * sets it up, each request's `cacheOptions` emptied (a slow path of got 14 on Node 20): the bare
 * library as tuned as the service uses it.
 * Run as its own process (like `serve`): `node bare-server.js <integrator-url> <body> [empty-cache-options]`; prints its port.
 */
import { type sendUnaryData, Server, ServerCredentials } from '@grpc/grpc-js';
import got from 'got';
import { HookServiceService } from '@ccx-hook/proto';

const [integratorUrl, body, tuning] = process.argv.slice(2) as [string, string, string | undefined];
const post = tuning === 'empty-cache-options' ? got.extend({ hooks: { init: [(_options, self) => void (self.cacheOptions = {})] } }).post : got.post;
const headers = {
  'content-type': 'application/json',
  'user-agent': 'ccx-hook-service/0.1.0',
  'webhook-id': 'msg_2YtzCnnfFpaY7KJx4mXwqzSx',
  'webhook-timestamp': '1764480000',
  'ccx-hook-name': 'pre-add-node',
  'ccx-hook-attempt': '1',
};
const server = new Server();
const unimplemented = (_call: unknown, callback: sendUnaryData<object>) => callback({ code: 12 });
server.addService(HookServiceService, {
  preCreateCluster: unimplemented,
  postCreateCluster: unimplemented,
  preRemoveNode: unimplemented,
  postRemoveNode: unimplemented,
  preDeleteCluster: unimplemented,
  postDeleteCluster: unimplemented,
  preAddNode(_call: unknown, callback: sendUnaryData<object>) {
    post(`${integratorUrl}/pre-add-node`, { body, headers, responseType: 'json', retry: { limit: 0 } })
      .then(
        ({ body: reply }) => callback(null, { approved: (reply as { approved: boolean }).approved, workId: '', userId: '', projectId: '', organisationId: '', reason: '', decidedBy: 1 }),
        (error: Error) => callback({ code: 14, details: error.message }),
      );
  },
  postAddNode(_call: unknown, callback: sendUnaryData<object>) {
    callback(null, { deliveryId: 'msg_bare' });
  },
});
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${port}\n`);
});
process.on('SIGTERM', () => server.forceShutdown());
