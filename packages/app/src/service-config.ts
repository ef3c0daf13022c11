import type { CircuitBreakerOptions, HookTls } from '@ccx-hook/hook-client';
import type { GrpcLimits, HooksSettings, PreHookPolicy, TlsMaterial } from '@ccx-hook/server';

/** What the service reads from files, and reads again on SIGHUP. */
export interface Credentials {
  /** Standard Webhooks secrets (`whsec_…`) from `hooks.secret` and `hooks.secret_file`. */
  secrets: string[];
  /** ed25519 signing keys (`whsk_…`, v1a) from `hooks.signing_key` and `hooks.signing_key_file`. */
  signingKeys: string[];
  /** gRPC TLS from `grpc.tls.*`; plaintext when absent. */
  grpcTls?: TlsMaterial;
  /** Outbound HTTPS from `hooks.tls.*` and `hooks.<hook>.tls.ca`. */
  hookTls: HookTls;
}

/** The validated configuration of the service, in the units the libraries take (ms). */
export interface ServiceConfig {
  grpcAddress: string;
  /** `grpc.max_concurrent_streams`, `grpc.max_session_memory` and the keep-alive, idle and age limits. */
  grpcLimits: GrpcLimits;
  /** Where `/healthz`, `/readyz` and `/metrics` are served. */
  httpAddress: string;
  /** The operators' web console; off when `address` is undefined. */
  console: { address?: string; token?: string; decisions: number; hosts?: string[] };
  hooks: HooksSettings;
  preHooks: PreHookPolicy;
  breaker: Required<CircuitBreakerOptions>;
  credentials: Credentials;
  /** Reads `hooks.secret_file` and the TLS files again (SIGHUP); throws `ConfigError` naming the key. */
  readCredentials: () => Credentials;
  storeUrl: string;
  /** `store.timeout`: the time limit of every store operation. */
  storeTimeoutMs: number;
  delivery: {
    timeoutMs: number;
    concurrency: number;
    /** `delivery.rate_limit`: attempts per second per endpoint; undefined when off. */
    ratePerSecond?: number;
    retentionMs: number;
    /** `delivery.stall_timeout`: see `Liveness`. */
    stallTimeoutMs: number;
    schedule: number[];
  };
  shutdownGraceMs: number;
  log: { level: string; format: 'json' | 'pretty' };
}
