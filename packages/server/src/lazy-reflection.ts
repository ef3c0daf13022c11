import type { handleBidiStreamingCall, MethodDefinition, Server, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

type Method = MethodDefinition<unknown, unknown>;
type Built = Map<string, { method: Method; handle: handleBidiStreamingCall<unknown, unknown> }>;

/** The one method of each version of the reflection service that @grpc/reflection serves. */
const paths = ['/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo'];

/**
 * Adds gRPC server reflection (v1 and v1alpha) of `definitions` to `server`, made at its first
 * call: @grpc/reflection parses its own .proto files and decodes every file it describes when
 * it is made, a sixth of the service's start-up (docs/BENCHMARKS.md, row 7), which a server
 * that is never asked would spend before its first answer.
 */
export function addLazyReflection(server: Pick<Server, 'addService'>, definitions: () => PackageDefinition): void {
  let built: Built | undefined;
  const reflection = (path: string) => {
    built ??= build(definitions());
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
function build(definitions: PackageDefinition): Built {
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
