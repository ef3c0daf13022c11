export * from './gen/ccx/hook/v1/hook_service.js';
export { HealthCheckResponse_ServingStatus as ServingStatus, HealthService, type HealthServer } from './gen/grpc/health/v1/health.js';
export { type DescriptorSet, descriptorSet } from './descriptor-set.js';
export { healthProtoPath, protoPath } from './proto-path.js';
