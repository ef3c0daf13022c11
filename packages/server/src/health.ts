import { type Server, type ServerWritableStream, status } from '@grpc/grpc-js';
import { type HealthServer, HealthService, ServingStatus } from '@ccx-hook/proto';

type Status = ServingStatus.SERVING | ServingStatus.NOT_SERVING;
type Watch = ServerWritableStream<{ service: string }, { status: ServingStatus }>;

/**
 * `grpc.health.v1.Health` (Check, Watch and List) over statuses set here, as grpc-health-check
 * serves it, from the generated service definition: that package parses `health.proto` with
 * proto-loader when it is imported, a cost to every start (docs/BENCHMARKS.md, row 7).
 */
export class Health {
  private readonly statuses: Map<string, Status>;
  private readonly watches = new Map<string, Set<Watch>>();

  constructor(statuses: Record<string, Status>) {
    this.statuses = new Map(Object.entries(statuses));
  }

  /** Sets the status of `service`, and tells its watchers when it changed. */
  setStatus(service: string, serving: Status): void {
    if (this.statuses.get(service) === serving) return;
    this.statuses.set(service, serving);
    for (const watch of this.watches.get(service) ?? []) watch.write({ status: serving });
  }

  addToServer(server: Pick<Server, 'addService'>): void {
    const implementation: HealthServer = {
      check: ({ request }, callback) => {
        const serving = this.statuses.get(request.service);
        if (serving === undefined) callback({ code: status.NOT_FOUND, details: `Health status unknown for service ${request.service}` });
        else callback(null, { status: serving });
      },
      watch: (call) => {
        const { service } = call.request;
        const watches = this.watches.get(service) ?? new Set();
        this.watches.set(service, watches.add(call));
        call.on('cancelled', () => {
          watches.delete(call);
          if (watches.size === 0) this.watches.delete(service);
        });
        call.write({ status: this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN });
      },
      list: (_call, callback) => {
        callback(null, { statuses: Object.fromEntries([...this.statuses].map(([service, serving]) => [service, { status: serving }])) });
      },
    };
    server.addService(HealthService, implementation);
  }
}
