/**
 * A client of the test harness's server in a process of its own, as a control plane is: run as
 * `node burst-client.js <port> <calls> <deadline-ms>`, it sends that many pre-add-node calls at
 * once, each with that deadline, and prints a JSON array of what each ended with: the reply's
 * `decidedBy` (a number) or the gRPC status name of its error.
 */
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { HookServiceClient, PreAddNodeRequest } from '@ccx-hook/proto';

const [port, calls, deadlineMs] = process.argv.slice(2).map(Number) as [number, number, number];
const client = new HookServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 5_000, (error) => (error ? reject(error) : resolve())));
const outcomes = await Promise.all(
  Array.from({ length: calls }, (_, n) =>
    new Promise<number | string>((resolve) =>
      client.preAddNode(PreAddNodeRequest.fromPartial({ clusterId: `c${n}` }), new Metadata(), { deadline: Date.now() + deadlineMs }, (error, reply) =>
        resolve(error ? status[error.code] : reply!.decidedBy),
      ),
    ),
  ),
);
client.close();
process.stdout.write(JSON.stringify(outcomes));
