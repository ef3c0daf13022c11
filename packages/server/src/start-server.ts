import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ServingStatus } from '@ccx-hook/proto';
import type { CircuitBreaker, HookClient, Logger } from '@ccx-hook/hook-client';
import type { CallObserver } from './call-observer.js';
import type { DecisionObserver } from './decision-observer.js';
import { HookService, type HookServiceOptions } from './hook-service.js';
import type { EndpointGate } from './endpoint-gate.js';
import { addLazyReflection } from './lazy-reflection.js';
import { Health } from './health.js';
import { PreHookCaller } from './pre-hook-caller.js';
import type { HooksSettings, PreHookPolicy } from './hook-settings.js';
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
  store: HookServiceOptions['store'];
  logger: Logger;
  /** Told how every call ended (for metrics). Default: nobody. */
  observer?: CallObserver;
  /** Told about every pre- hook decision (for the console). Default: nobody. */
  decisions?: DecisionObserver;
  /** Endpoints gone (410) answer by the failure policy at once. Default: none is ever gone. */
  endpoints?: EndpointGate;
  /** TLS (mutual TLS when it has a client CA); plaintext when absent. */
  tls?: ServerTls;
  /** What one connection may hold (DESIGN §2): a client cannot exhaust the server. Default `defaultGrpcLimits`. */
  limits?: GrpcLimits;
}

/** Limits of each client connection. */
export interface GrpcLimits {
  /** Calls in flight on one connection at most (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  /**
   * Memory one connection may hold, in MiB, replies its client has not read included; past it
   * the connection's new calls are refused until it reads.
   */
  maxSessionMemoryMb: number;
  /** A connection quiet this long is pinged, in ms; one that does not answer within `keepaliveTimeoutMs` is closed. */
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  /** A connection with no call for this long is closed (GOAWAY), in ms. */
  maxConnectionIdleMs: number;
  /** A connection older than this is asked to reconnect (GOAWAY, calls in flight finish within a minute), in ms. */
  maxConnectionAgeMs: number;
}

/**
 * Limits a real control plane never reaches: 1,000 calls in flight and 32 MiB per connection,
 * a ping after 1 min of quiet (20 s to answer), closed after 1 h idle, renewed after 6 h.
 */
export const defaultGrpcLimits: GrpcLimits = {
  maxConcurrentStreams: 1_000,
  maxSessionMemoryMb: 32,
  keepaliveTimeMs: 60_000,
  keepaliveTimeoutMs: 20_000,
  maxConnectionIdleMs: 3_600_000,
  maxConnectionAgeMs: 6 * 3_600_000,
};

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
 * Messages over 1 MiB are refused; each connection is held to `limits`. Rejects when the
 * address cannot be bound.
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const limits = options.limits ?? defaultGrpcLimits;
  const server = new Server({
    'grpc.max_receive_message_length': 1024 * 1024,
    'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    'grpc-node.max_session_memory': limits.maxSessionMemoryMb,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
    'grpc.max_connection_idle_ms': limits.maxConnectionIdleMs,
    'grpc.max_connection_age_ms': limits.maxConnectionAgeMs,
    'grpc.max_connection_age_grace_ms': 60_000,
  });
  const preHooks = new PreHookCaller({
    client: options.client,
    breaker: options.breaker,
    hooks: options.hooks,
    policy: options.preHooks,
    logger: options.logger,
    decisions: options.decisions,
    endpoints: options.endpoints,
  });
  const { hooks, store, logger, observer } = options;
  const hookService = new HookService({ hooks, preHooks, store, logger, observer });
  hookService.addToServer(server);
  const health = new Health({ '': ServingStatus.SERVING, [serviceName]: ServingStatus.SERVING });
  health.addToServer(server);
  addLazyReflection(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.address, options.tls ?? ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve(boundPort),
    );
  });

  let stopping = false;
  const setStatus = (serving: boolean) => {
    for (const name of ['', serviceName]) health.setStatus(name, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
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
