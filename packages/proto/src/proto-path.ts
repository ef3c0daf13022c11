import { fileURLToPath } from 'node:url';

/** Absolute path of `hook_service.proto`, copied next to the build, for reflection and tools. */
export const protoPath = fileURLToPath(new URL('./proto/ccx/hook/v1/hook_service.proto', import.meta.url));
