import { createRequire } from 'node:module';

/**
 * Absolute path of `hook_service.proto`, copied next to the build, for reflection and tools.
 * Resolved through the package's `./hook_service.proto` export, so that it holds inside the
 * app's bundle too.
 */
export const protoPath = createRequire(import.meta.url).resolve('@ccx-hook/proto/hook_service.proto');
