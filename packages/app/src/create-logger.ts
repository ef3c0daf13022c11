import winston from 'winston';
import { turnBufferedOutput } from './turn-buffered-output.js';

const redactedKeys = new Set(['auth_id', 'authId', 'secret', 'secrets', 'signing_key', 'signingKeys']);
const MESSAGE = Symbol.for('message');

/** Defence in depth: a credential that reaches a log call anyway is replaced. */
function redact(info: winston.Logform.TransformableInfo): winston.Logform.TransformableInfo {
  for (const key of Object.keys(info)) if (redactedKeys.has(key)) info[key] = '[redacted]';
  return info;
}

/** winston's own JSON format: handles what `JSON.stringify` throws on (cycles, bigints). */
const safeJson = winston.format.json();

/**
 * The JSON line of an entry, redacted and stamped in one format: `timestamp`, `level` and
 * `message` first, then the fields, copied and redacted in one loop (docs/BENCHMARKS.md,
 * "Tricks kept in the code").
 */
export const jsonLine = winston.format((info) => {
  const entry: winston.Logform.TransformableInfo = { timestamp: new Date().toISOString(), level: info.level, message: info.message };
  for (const key of Object.keys(info)) {
    if (key !== 'level' && key !== 'message') entry[key] = redactedKeys.has(key) ? '[redacted]' : info[key];
  }
  try {
    info[MESSAGE] = JSON.stringify(entry);
  } catch {
    info[MESSAGE] = (safeJson.transform(entry, safeJson.options) as winston.Logform.TransformableInfo)[MESSAGE];
  }
  return info;
});

/** A line for humans (`log.format=pretty`): time, level, message, then `key=value` for each field that has a value. */
export const pretty = winston.format.printf(({ level, message, timestamp, ...meta }) => {
  const fields = Object.entries(meta)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${String(timestamp).slice(11, 23)} ${level.padEnd(5)} ${String(message)}${fields ? `  ${fields}` : ''}`;
});

/** The service's one logger: JSON lines on stdout, or `pretty` lines for humans, written once per turn of the event loop. */
export function createLogger(options: { level: string; format: 'json' | 'pretty' }): winston.Logger {
  const format = options.format === 'json'
    ? jsonLine()
    : winston.format.combine(winston.format(redact)(), winston.format.timestamp(), pretty);
  const stream = turnBufferedOutput(process.stdout);
  return winston.createLogger({ level: options.level, format, transports: [new winston.transports.Stream({ stream })] });
}
