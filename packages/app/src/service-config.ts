import type { CircuitBreakerOptions } from '@ccx-hook/hook-client';
import type { HooksSettings, PreHookPolicy } from '@ccx-hook/server';

/** The validated configuration of the service, in the units the libraries take (ms). */
export interface ServiceConfig {
  grpcAddress: string;
  /** Where `/healthz` and `/readyz` are served. */
  httpAddress: string;
  hooks: HooksSettings;
  preHooks: PreHookPolicy;
  breaker: Required<CircuitBreakerOptions>;
  /** Standard Webhooks secrets (`whsec_…`) from `hooks.secret` and `hooks.secret_file`. */
  secrets: string[];
  storeUrl: string;
  delivery: {
    timeoutMs: number;
    concurrency: number;
    retentionMs: number;
    schedule: number[];
  };
  shutdownGraceMs: number;
  log: { level: string; format: 'json' | 'pretty' };
}
