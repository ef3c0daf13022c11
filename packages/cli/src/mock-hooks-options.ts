import { decodePublicKey, decodeSecret } from '@ccx-hook/hook-client';
import type { MockHooksOptions } from '@ccx-hook/mock-hooks';
import { UsageError } from './errors.js';
import { durationFlag, stringValue, type Values } from './flag-values.js';

/** The options of `mock-hooks` from its flags; throws `UsageError` naming a bad one (never a secret's value). */
export function mockHooksOptions(values: Values): MockHooksOptions {
  const port = stringValue(values.port);
  const failRatio = stringValue(values['fail-ratio']);
  const latency = stringValue(values.latency);
  if (port !== undefined && !(/^\d+$/.test(port) && Number(port) <= 65535)) {
    throw new UsageError(`--port must be a port number from 0 to 65535, got "${port}"`);
  }
  if (failRatio !== undefined && !(Number(failRatio) >= 0 && Number(failRatio) <= 1)) {
    throw new UsageError(`--fail-ratio must be a number from 0 to 1, got "${failRatio}"`);
  }
  const secrets = keyList(values, 'secret', decodeSecret);
  const publicKeys = keyList(values, 'public-key', decodePublicKey);
  return {
    host: stringValue(values.host),
    port: port === undefined ? undefined : Number(port),
    reject: stringValue(values.reject),
    failRatio: failRatio === undefined ? undefined : Number(failRatio),
    latencyMs: latency === undefined ? undefined : durationFlag('latency', latency),
    secrets,
    publicKeys,
    recordFile: stringValue(values.record),
  };
}

/** The comma-separated keys of `--<flag>`, each checked by `decode`; a bad one is a `UsageError` that never quotes it. */
function keyList(values: Values, flag: string, decode: (key: string) => unknown): string[] | undefined {
  const keys = stringValue(values[flag])?.split(',').map((part) => part.trim());
  keys?.forEach((key, index) => {
    try {
      decode(key);
    } catch (error) {
      throw new UsageError(`--${flag}: key ${index + 1}: ${(error as Error).message}`);
    }
  });
  return keys;
}
