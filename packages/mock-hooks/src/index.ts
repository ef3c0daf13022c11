export { formatHook } from './format-hook.js';
export { type MockHooks, type MockHooksOptions, type ReceivedHook, startMockHooks } from './mock-hooks.js';
