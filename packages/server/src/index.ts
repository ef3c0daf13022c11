// Node.js types in this package's declarations come from @types/node: kept in the emitted
// index.d.ts, so that a consumer on TypeScript 7 (whose `types` default is []) needs no setting.
/// <reference types="node" preserve="true" />
export type { CallObserver, CallOutcome } from './call-observer.js';
export type { DecisionMaker, DecisionObserver, DecisionRecord } from './decision-observer.js';
export type { EndpointGate } from './endpoint-gate.js';
export { HookService, type HookServiceOptions } from './hook-service.js';
export type { PreDecision } from './pre-decision.js';
export { PreHookCaller, type PreHookCallerOptions } from './pre-hook-caller.js';
export type { FailurePolicy, HookMode, HookSettings, HooksSettings, PreHookPolicy } from './hook-settings.js';
export { defaultGrpcLimits, type GrpcLimits, type RunningServer, type ServerOptions, startServer } from './start-server.js';
export { ServerTls, type TlsMaterial } from './server-tls.js';
