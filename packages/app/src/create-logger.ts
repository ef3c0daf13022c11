import winston from 'winston';

const redactedKeys = new Set(['auth_id', 'authId', 'secret', 'secrets']);

/** Defence in depth: a credential that reaches a log call anyway is replaced. */
const redact = winston.format((info) => {
  for (const key of Object.keys(info)) if (redactedKeys.has(key)) info[key] = '[redacted]';
  return info;
});

const pretty = winston.format.printf(({ level, message, timestamp, ...meta }) => {
  const fields = Object.entries(meta)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${String(timestamp).slice(11, 23)} ${level.padEnd(5)} ${String(message)}${fields ? `  ${fields}` : ''}`;
});

/** The service's one logger: JSON lines on stdout, or `pretty` lines for humans. */
export function createLogger(options: { level: string; format: 'json' | 'pretty' }): winston.Logger {
  const format = options.format === 'json'
    ? winston.format.combine(redact(), winston.format.timestamp(), winston.format.json())
    : winston.format.combine(redact(), winston.format.timestamp(), pretty);
  return winston.createLogger({ level: options.level, format, transports: [new winston.transports.Console()] });
}
