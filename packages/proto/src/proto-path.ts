import { createRequire } from 'node:module';

const resolve = createRequire(import.meta.url).resolve;

/**
 * Absolute path of `hook_service.proto`, copied next to the build, for reflection and tools.
 * Resolved through the package's `./hook_service.proto` export, so that it holds inside the
 * app's bundle too.
 */
export const protoPath = resolve('@ccx-hook/proto/hook_service.proto');

/** Absolute path of `grpc/health/v1/health.proto` (gRPC's own), for reflection. */
export const healthProtoPath = resolve('@ccx-hook/proto/health.proto');
