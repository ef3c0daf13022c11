import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { CircuitBreaker, HookClient, Logger } from '@ccx-hook/hook-client';
import type { CallObserver } from './call-observer.js';
import type { DecisionObserver } from './decision-observer.js';
import { HookService, type Outbox } from './hook-service.js';
import { PreHookCaller } from './pre-hook-caller.js';
import { protoDefinitions } from './proto-definitions.js';
import type { HooksSettings, PreHookPolicy } from './server-options.js';
import type { ServerTls } from './server-tls.js';

/** Options of `startServer`. */
export interface ServerOptions {
  /** `host:port` to listen on; port 0 picks a free port. */
  address: string;
  hooks: HooksSettings;
  preHooks: PreHookPolicy;
  /** Breaks the circuit of an integrator that is down (per URL origin) for pre- hooks. */
  breaker: CircuitBreaker;
  client: HookClient;
  outbox: Outbox;
  logger: Logger;
  /** Told how every call ended (for metrics). Default: nobody. */
  observer?: CallObserver;
  /** Told about every pre- hook decision (for the console). Default: nobody. */
  decisions?: DecisionObserver;
  /** TLS (mutual TLS when it has a client CA); plaintext when absent. */
  tls?: ServerTls;
}

/** A listening server. */
export interface RunningServer {
  /** The port it listens on. */
  port: number;
  /** Sets gRPC health (the server's and the HookService's) to SERVING or NOT_SERVING; ignored once shutting down. */
  setServing(serving: boolean): void;
  /**
   * Refuses new calls (`UNAVAILABLE`), answers the ones in flight for up to `graceMs`, then
   * closes every connection.
   */
  shutdown(graceMs: number): Promise<void>;
}

const serviceName = 'ccx.hook.v1.HookService';

/**
 * Starts the gRPC server with the HookService, `grpc.health.v1.Health` and server reflection.
 * Messages over 1 MiB are refused. Rejects when the address cannot be bound.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const server = new Server({ 'grpc.max_receive_message_length': 1024 * 1024 });
  const preHooks = new PreHookCaller({
    client: options.client,
    breaker: options.breaker,
    hooks: options.hooks,
    policy: options.preHooks,
    logger: options.logger,
    decisions: options.decisions,
  });
  const { hooks, outbox, logger, observer } = options;
  const hookService = new HookService({ hooks, preHooks, outbox, logger, observer });
  hookService.addToServer(server);
  const health = new HealthImplementation({ '': 'SERVING', [serviceName]: 'SERVING' });
  health.addToServer(server);
  new ReflectionService(protoDefinitions()).addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.address, options.tls ?? ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });

  let stopping = false;
  const setStatus = (serving: boolean) => {
    for (const name of ['', serviceName]) health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING');
  };
  return {
    port,
    setServing(serving: boolean) {
      if (!stopping) setStatus(serving);
    },
    async shutdown(graceMs: number) {
      stopping = true;
      hookService.close();
      setStatus(false);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          // Cancels the calls still running, and a cancelled call ends its integrator request.
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      preHooks.close();
    },
  };
}
