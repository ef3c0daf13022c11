import { expect } from 'chai';
import type winston from 'winston';
import { jsonLine, pretty } from './create-logger.js';

const MESSAGE = Symbol.for('message');

function lineOf(info: Record<string, unknown>): string {
  const format = jsonLine();
  return (format.transform({ ...info } as winston.Logform.TransformableInfo, format.options) as Record<symbol, string>)[MESSAGE]!;
}

describe('jsonLine', () => {
  it('writes timestamp, level and message first, then the fields, with credentials redacted', () => {
    const line = lineOf({ hook: 'pre-add-node', secret: 'whsec_planted', auth_id: 'planted', level: 'info', message: 'decided' });
    expect(Object.keys(JSON.parse(line))).to.deep.equal(['timestamp', 'level', 'message', 'hook', 'secret', 'auth_id']);
    expect(JSON.parse(line)).to.include({ level: 'info', message: 'decided', hook: 'pre-add-node', secret: '[redacted]', auth_id: '[redacted]' });
    expect(Date.parse(JSON.parse(line).timestamp)).to.be.closeTo(Date.now(), 5_000);
    expect(line).not.to.include('planted');
  });

  it('still writes a line for fields JSON.stringify cannot encode (a cycle, a bigint)', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const line = JSON.parse(lineOf({ cycle, big: 10n, secrets: ['planted'], level: 'warn', message: 'odd' }));
    expect(line).to.include({ level: 'warn', message: 'odd', big: '10', secrets: '[redacted]' });
    expect(line.cycle).to.deep.equal({ self: '[Circular]' });
  });
});

describe('pretty', () => {
  it('writes the fields that have a value, never a literal undefined', () => {
    const info = { level: 'warn', message: 'delivery attempt failed', timestamp: '2026-12-04T10:00:00.123Z', status: undefined, error: 'request to http://127.0.0.1:8080 failed: ECONNREFUSED', attempts: 2 };
    const line = (pretty.transform(info as winston.Logform.TransformableInfo, pretty.options) as Record<symbol, string>)[MESSAGE]!;
    expect(line).to.equal('10:00:00.123 warn  delivery attempt failed  error=request to http://127.0.0.1:8080 failed: ECONNREFUSED attempts=2');
  });
});
