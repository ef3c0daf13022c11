import type { ServiceDefinition } from '@grpc/grpc-js';
import { errorCode } from '@ccx-hook/hook-client';
import { InvalidRequestError } from '@ccx-hook/mapping';
import { descriptorSet } from '@ccx-hook/proto';

/** What a request decodes to when its bytes are not a valid message: the handler answers INVALID_ARGUMENT. */
export class UndecodableRequest {
  constructor(readonly error: InvalidRequestError) {}
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const notProtobuf = () => new InvalidRequestError('request', 'the request is not a valid protobuf message');

/**
 * `service` with request deserializers that never throw (grpc-js would answer INTERNAL):
 * bytes that are not a valid message, or a string field that is not valid UTF-8, decode to an
 * `UndecodableRequest` naming the field where one is known (DESIGN §6).
 */
export function withStrictDecoding<S extends ServiceDefinition>(service: S, serviceName: string): S {
  const stringFields = new Map<string, Map<number, string>>();
  for (const file of descriptorSet().file) {
    const types = new Map((file.messageType ?? []).map((type) => [`.${file.package}.${type.name}`, type]));
    for (const described of file.service ?? []) {
      if (`${file.package}.${described.name}` !== serviceName) continue;
      for (const method of described.method) {
        const input = types.get(method.inputType);
        if (!input) throw new Error(`the descriptor set does not describe ${method.inputType}`);
        const strings = (input.field ?? []).filter((field) => field.type === 'TYPE_STRING');
        stringFields.set(`/${serviceName}/${method.name}`, new Map(strings.map((field) => [field.number, field.name])));
      }
    }
  }
  const strict = Object.fromEntries(
    Object.entries(service).map(([name, method]) => {
      const names = stringFields.get(method.path);
      if (!names) throw new Error(`the descriptor set does not describe ${method.path}`);
      const requestDeserialize = (bytes: Buffer) => {
        try {
          checkStrings(bytes, names);
          return method.requestDeserialize(bytes);
        } catch (error) {
          return new UndecodableRequest(errorCode(error) === 'ERR_INVALID_REQUEST' ? (error as InvalidRequestError) : notProtobuf());
        }
      };
      return [name, { ...method, requestDeserialize }];
    }),
  );
  return strict as S;
}

/** Walks the top-level fields of a message and checks that each string field is valid UTF-8. */
function checkStrings(bytes: Buffer, names: Map<number, string>): void {
  let position = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (position >= bytes.length) throw notProtobuf();
      const byte = bytes[position++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw notProtobuf();
  };
  while (position < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    switch (tag % 8) {
      case 0:
        varint();
        break;
      case 1:
        position += 8;
        break;
      case 5:
        position += 4;
        break;
      case 2: {
        const length = varint();
        const end = position + length;
        if (end > bytes.length) throw notProtobuf();
        const name = names.get(field);
        if (name !== undefined) {
          try {
            utf8.decode(bytes.subarray(position, end));
          } catch {
            throw new InvalidRequestError(name, `${name} is not valid UTF-8`);
          }
        }
        position = end;
        break;
      }
      default:
        throw notProtobuf();
    }
    if (position > bytes.length) throw notProtobuf();
  }
}
