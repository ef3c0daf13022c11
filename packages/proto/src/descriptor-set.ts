import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The parts of a `google.protobuf.FileDescriptorSet`, in its JSON form, that this project reads. */
export interface DescriptorSet {
  file: Array<{
    package: string;
    messageType?: Array<{ name: string; field?: Array<{ name: string; number: number; type: string }> }>;
    service?: Array<{ name: string; method: Array<{ name: string; inputType: string }> }>;
  }>;
}

let parsed: DescriptorSet | undefined;

/**
 * The descriptors of every `.proto` of the package, written by `buf build` at build time: what
 * the server reads of its messages' fields at start-up without parsing `.proto` text
 * (docs/BENCHMARKS.md, row 7).
 */
export function descriptorSet(): DescriptorSet {
  parsed ??= JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@ccx-hook/proto/descriptor-set.json'), 'utf8')) as DescriptorSet;
  return parsed;
}
