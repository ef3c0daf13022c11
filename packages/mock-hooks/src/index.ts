export { formatHook } from './format-hook.js';
export {
  type IncomingHook,
  type MockAnswer,
  type MockHooks,
  type MockHooksOptions,
  type ReceivedHook,
  startMockHooks,
} from './mock-hooks.js';
