/**
 * The baseline of the service benchmarks: a bare grpc-js server with the same service
 * definition, whose pre-add-node handler makes one got POST to the integrator and whose
 * post-add-node handler answers at once — no validation, signing, logging or store. Run as
 * its own process (like `serve`): `node bare-server.js <integrator-url>`; prints its port.
 */
import { type sendUnaryData, Server, ServerCredentials, type ServerUnaryCall } from '@grpc/grpc-js';
import got from 'got';
import { HookServiceService } from '@ccx-hook/proto';

const integratorUrl = process.argv[2]!;
const server = new Server();
const unimplemented = (_call: unknown, callback: sendUnaryData<object>) => callback({ code: 12 });
server.addService(HookServiceService, {
  preCreateCluster: unimplemented,
  postCreateCluster: unimplemented,
  preRemoveNode: unimplemented,
  postRemoveNode: unimplemented,
  preDeleteCluster: unimplemented,
  postDeleteCluster: unimplemented,
  preAddNode(call: ServerUnaryCall<{ clusterId: string }, object>, callback: sendUnaryData<object>) {
    got
      .post(`${integratorUrl}/pre-add-node`, { body: JSON.stringify({ cluster_id: call.request.clusterId }), responseType: 'json', retry: { limit: 0 } })
      .then(
        ({ body }) => callback(null, { approved: (body as { approved: boolean }).approved, workId: '', userId: '', projectId: '', organisationId: '', reason: '', decidedBy: 1 }),
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
