// Node.js types in this package's declarations come from @types/node: kept in the emitted
// index.d.ts, so that a consumer on TypeScript 7 (whose `types` default is []) needs no setting.
/// <reference types="node" preserve="true" />
export { formatHook } from './format-hook.js';
export {
  type IncomingHook,
  type MockAnswer,
  type MockHooks,
  type MockHooksOptions,
  type ReceivedHook,
  startMockHooks,
} from './mock-hooks.js';
