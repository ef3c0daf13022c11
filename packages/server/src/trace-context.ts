import type { Metadata } from '@grpc/grpc-js';

/** The caller's request id and W3C trace context, as sent in gRPC metadata. */
export interface TraceContext {
  /** `x-request-id`: 1 to 200 visible ASCII characters. */
  requestId?: string;
  /** `traceparent` (W3C Trace Context, version 00). */
  traceparent?: string;
}

const requestIdPattern = /^[\x21-\x7e]{1,200}$/;
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * Reads `x-request-id` and `traceparent` from `metadata`. A value that is not well formed is
 * left out, as W3C Trace Context asks of a `traceparent` it cannot parse: tracing is a hint,
 * never a reason to fail a call.
 */
export function traceContextOf(metadata: Metadata): TraceContext {
  const context: TraceContext = {};
  const [requestId] = metadata.get('x-request-id');
  if (typeof requestId === 'string' && requestIdPattern.test(requestId)) context.requestId = requestId;
  const [traceparent] = metadata.get('traceparent');
  const match = typeof traceparent === 'string' ? traceparentPattern.exec(traceparent) : null;
  if (match && !/^0+$/.test(match[1]!) && !/^0+$/.test(match[2]!)) context.traceparent = traceparent as string;
  return context;
}

/** The outbound headers that carry `context` to the integrator. */
export function traceHeaders(context: TraceContext): Record<string, string> {
  const headers: Record<string, string> = {};
  if (context.requestId) headers['x-request-id'] = context.requestId;
  if (context.traceparent) headers.traceparent = context.traceparent;
  return headers;
}

/** Adds the log fields of `context`, `request_id` and `trace_id`, to `fields`; returns `fields`. */
export function withTraceFields<Fields extends Record<string, unknown>>(fields: Fields, context: TraceContext): Fields {
  const added = fields as Record<string, unknown>;
  if (context.requestId) added.request_id = context.requestId;
  if (context.traceparent) added.trace_id = context.traceparent.split('-')[1]!;
  return fields;
}
