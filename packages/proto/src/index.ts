export * from './gen/ccx/hook/v1/hook_service.js';
export { protoPath } from './proto-path.js';
