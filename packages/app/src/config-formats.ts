import convict from 'convict';
import { parseDuration } from '@ccx-hook/cli';

/** Registers the formats of the configuration schema with convict (idempotent). */
export function addConfigFormats(): void {
  convict.addFormats({
    duration: {
      coerce: (value: string) => parseDuration(value) ?? value,
      validate: (value: unknown) => checkDuration(value, 0),
    },
    'positive-duration': {
      coerce: (value: string) => parseDuration(value) ?? value,
      validate: (value: unknown) => checkDuration(value, 1),
    },
    'optional-duration': {
      coerce: (value: string) => (value === '' ? null : parseDuration(value) ?? value),
      validate(value: unknown) {
        if (value !== null) checkDuration(value, 1);
      },
    },
    boolean: {
      // Only true or false: "no", "0" or "off" must not leave a hook enabled.
      coerce: (value: string) => (/^true$/i.test(value) ? true : /^false$/i.test(value) ? false : value),
      validate(value: unknown) {
        if (typeof value !== 'boolean') throw new Error('must be true or false');
      },
    },
    'duration-list': {
      coerce(value: string) {
        const parts = value.split(',').map((part) => parseDuration(part));
        return parts.every((part) => part !== undefined) ? parts : value;
      },
      validate(value: unknown) {
        if (!Array.isArray(value) || value.length === 0 || !value.every((part) => Number.isInteger(part) && part <= maxDurationMs)) {
          throw new Error('must be a comma-separated list of durations like 5s,5m,30m, each at most 24 days');
        }
      },
    },
    'http-url': {
      validate(value: unknown) {
        if (value === '') return;
        let url: URL | undefined;
        try {
          url = new URL(String(value));
        } catch {
          url = undefined;
        }
        if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
          throw new Error('must be empty or an http:// or https:// URL');
        }
        // The hook name is appended to the path: a query or fragment would swallow it.
        if (url.search !== '' || url.hash !== '' || String(value).includes('?') || String(value).includes('#')) {
          throw new Error('must not carry a query or a fragment');
        }
      },
    },
    address: {
      validate(value: unknown) {
        if (typeof value !== 'string' || !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(value) || Number(value.split(':').pop()) > 65535) {
          throw new Error('must be host:port, e.g. 0.0.0.0:50051');
        }
      },
    },
    'optional-address': {
      validate(value: unknown) {
        if (value !== '' && (typeof value !== 'string' || !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(value) || Number(value.split(':').pop()) > 65535)) {
          throw new Error('must be empty (off) or host:port, e.g. 127.0.0.1:9465');
        }
      },
    },
    rate: {
      coerce: (value: string) => Number(value),
      validate(value: unknown) {
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error('must be a number of attempts per second, e.g. 50 or 0.5; 0 is off');
      },
    },
    positive: {
      coerce: (value: string) => Number(value),
      validate(value: unknown) {
        if (!Number.isInteger(value) || (value as number) < 1) throw new Error('must be a whole number of at least 1');
      },
    },
  });
}

/** Node timers cannot wait longer than 2^31 - 1 ms (about 24.8 days): longer ones fire at once. */
const maxDurationMs = 24 * 86_400_000;

function checkDuration(value: unknown, least: number): void {
  if (!Number.isInteger(value) || (value as number) < least || (value as number) > maxDurationMs) {
    throw new Error(`must be a duration like 250ms, 5s, 5m, 2h or 3d${least > 0 ? ', more than 0' : ''}, at most 24 days`);
  }
}
