// Node.js types in this package's declarations come from @types/node: kept in the emitted
// index.d.ts, so that a consumer on TypeScript 7 (whose `types` default is []) needs no setting.
/// <reference types="node" preserve="true" />
export type { OptionSpec } from './commands.js';
export { CommandError, UsageError } from './errors.js';
export { parseDuration } from './parse-duration.js';
export { readSmallFile } from './read-small-file.js';
export { resolveHook } from './resolve-hook.js';
export { type CliApp, type CliOutput, type ConfigArguments, runCli } from './run-cli.js';
export { callHook, type ClientTls, type TestCall } from './test-client.js';
