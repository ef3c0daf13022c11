// Node.js types in this package's declarations come from @types/node: kept in the emitted
// index.d.ts, so that a consumer on TypeScript 7 (whose `types` default is []) needs no setting.
/// <reference types="node" preserve="true" />
export { AttemptHistory, type MinuteCounts } from './attempt-history.js';
export { DecisionLog, type DecisionFilter } from './decision-log.js';
export { ConsoleRequestError } from './errors.js';
export { isLoopback, parseListenAddress } from './listen-address.js';
export { type ConsoleOptions, type RunningConsole, startConsole } from './start-console.js';
