import { createRequire } from 'node:module';
import type { handleBidiStreamingCall, MethodDefinition, Server, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type * as ProtoLoader from '@grpc/proto-loader';
import type * as Reflection from '@grpc/reflection';
import { healthProtoPath, protoPath } from '@ccx-hook/proto';

type Method = MethodDefinition<unknown, unknown>;
type Built = Map<string, { method: Method; handle: handleBidiStreamingCall<unknown, unknown> }>;

/** The one method of each version of the reflection service that @grpc/reflection serves. */
const paths = ['/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo'];

/**
 * Adds gRPC server reflection (v1 and v1alpha) of `hook_service.proto` and `health.proto` to
 * `server`, made at its first call. @grpc/reflection and @grpc/proto-loader are loaded then,
 * from node_modules (the app's bundle leaves them out): they parse their own `.proto` files
 * and those they describe, which cost a sixth of the service's start-up
 * (docs/BENCHMARKS.md, row 7) for a service that is seldom asked.
 */
export function addLazyReflection(server: Pick<Server, 'addService'>): void {
  let built: Built | undefined;
  const reflection = (path: string) => {
    built ??= build();
    const method = built.get(path);
    if (!method) throw new Error(`@grpc/reflection does not serve ${path}`);
    return method;
  };
  for (const path of paths) {
    const method: Method = {
      path,
      requestStream: true,
      responseStream: true,
      requestSerialize: (value) => reflection(path).method.requestSerialize(value),
      requestDeserialize: (bytes) => reflection(path).method.requestDeserialize(bytes),
      responseSerialize: (value) => reflection(path).method.responseSerialize(value),
      responseDeserialize: (bytes) => reflection(path).method.responseDeserialize(bytes),
    };
    const handle: handleBidiStreamingCall<unknown, unknown> = (call) => reflection(path).handle(call);
    server.addService({ ServerReflectionInfo: method } as ServiceDefinition, { ServerReflectionInfo: handle });
  }
}

/** The methods @grpc/reflection adds to a server, by path. */
function build(): Built {
  const require = createRequire(import.meta.url);
  const { loadSync } = require('@grpc/proto-loader') as typeof ProtoLoader;
  const { ReflectionService } = require('@grpc/reflection') as typeof Reflection;
  // Field names as written (`cluster_id`), as grpcurl-style clients expect.
  const definitions = loadSync([protoPath, healthProtoPath], { keepCase: true });
  const built: Built = new Map();
  new ReflectionService(definitions).addToServer({
    addService(service: ServiceDefinition, implementation: UntypedServiceImplementation) {
      for (const [name, method] of Object.entries(service)) {
        built.set(method.path, { method, handle: implementation[name] as handleBidiStreamingCall<unknown, unknown> });
      }
    },
  });
  return built;
}
