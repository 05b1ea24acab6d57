import type { IncomingMessage } from 'node:http';
import type { Config } from './config';
import type { Logger } from './logging';
import { scope } from './scope';

/**
 * Tracing as the rest of the code sees it: a server span per request and a
 * client span per database query or Redis command under it. Nothing here
 * imports OpenTelemetry: `startTracing` loads it only when an OTLP endpoint is
 * set, and otherwise no span, wrapper or middleware exists at all.
 */
export interface Tracing {
  /** The request's server span: a child of the span in its `traceparent` header when that is valid. */
  startRequest(req: IncomingMessage): RequestTrace;
  /** Exports what is still buffered, within a bound; later spans are dropped. */
  shutdown(): Promise<void>;
}

export type SpanAttributes = Record<string, string | number | boolean>;

export interface RequestTrace {
  /** `trace_id`, `span_id` and `trace_flags` of the request's span, for its log lines. */
  readonly logFields: Readonly<Record<'trace_id' | 'span_id' | 'trace_flags', string>>;
  /** A client span under the request's span, e.g. one database round trip. */
  startCall(name: string, attributes: SpanAttributes): CallSpan;
  end(outcome: RequestOutcome): void;
}

export interface CallSpan {
  /** With an error, the span is marked failed with the error's name or code (never its message). */
  end(error?: unknown): void;
}

export interface RequestOutcome {
  /** The spec's operationId, when the request matched one: the span's name. */
  operationId: string | undefined;
  /** The spec's path template, e.g. /v1/users/{user_id}. */
  route: string | undefined;
  /** Undefined when the connection closed before the status was sent. */
  status: number | undefined;
  /** False when the connection closed before the response was sent in full. */
  completed: boolean;
}

/** The trace of the request this code runs for, if tracing is on and it runs inside one. */
export function currentTrace(): RequestTrace | undefined {
  return scope.getStore()?.trace;
}

export interface CallDescription {
  name: string;
  attributes: SpanAttributes;
}

/**
 * Runs `work` in a client span under the current request's span, described
 * by `describe`; outside a traced request, just runs it (and describes nothing).
 */
export async function traced<T>(describe: () => CallDescription, work: () => Promise<T>): Promise<T> {
  const trace = currentTrace();
  if (!trace) return work();
  const { name, attributes } = describe();
  const span = trace.startCall(name, attributes);
  try {
    const result = await work();
    span.end();
    return result;
  } catch (error) {
    span.end(error);
    throw error;
  }
}

/**
 * OpenTelemetry when `settings` is set (an OTLP endpoint is configured), else
 * undefined. The SDK is required here, not imported: with tracing off none of
 * it is ever loaded.
 */
export function startTracing(settings: Config['tracing'], logger: Logger): Tracing | undefined {
  if (!settings) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OpenTelemetryTracing } = require('./opentelemetry') as typeof import('./opentelemetry');
  return new OpenTelemetryTracing(settings, logger);
}
