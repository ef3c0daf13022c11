import convict from 'convict';
import { parseDuration } from '@ccx-hook/cli';

/** Registers the formats of the configuration schema with convict (idempotent). */
export function addConfigFormats(): void {
  convict.addFormats({
    duration: {
      coerce: (value: string) => parseDuration(value) ?? value,
      validate(value: unknown) {
        if (!Number.isInteger(value) || (value as number) < 0) {
          throw new Error('must be a duration like 250ms, 5s, 5m, 2h or 3d');
        }
      },
    },
    'optional-duration': {
      coerce: (value: string) => (value === '' ? null : parseDuration(value) ?? value),
      validate(value: unknown) {
        if (value !== null && (!Number.isInteger(value) || (value as number) < 0)) {
          throw new Error('must be empty or a duration like 250ms, 5s, 5m, 2h or 3d');
        }
      },
    },
    'duration-list': {
      coerce(value: string) {
        const parts = value.split(',').map((part) => parseDuration(part));
        return parts.every((part) => part !== undefined) ? parts : value;
      },
      validate(value: unknown) {
        if (!Array.isArray(value) || value.length === 0 || !value.every((part) => Number.isInteger(part))) {
          throw new Error('must be a comma-separated list of durations like 5s,5m,30m');
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
      },
    },
    address: {
      validate(value: unknown) {
        if (typeof value !== 'string' || !/^(\[[0-9a-fA-F:]+\]|[^:\s]+):\d{1,5}$/.test(value) || Number(value.split(':').pop()) > 65535) {
          throw new Error('must be host:port, e.g. 0.0.0.0:50051');
        }
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
