/**
 * Tracing through the OpenTelemetry SDK, exported over OTLP/HTTP. Loaded by
 * `startTracing` only when an endpoint is set. Spans are made at our own
 * seams (see docs/observability.md), so no instrumentation patches modules and
 * no second AsyncLocalStorage exists: the parent of every span is the request's
 * span, carried in the request scope.
 */
import { randomUUID } from 'node:crypto';
import { tracingChannel } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  diag,
  trace,
  type Context,
  type DiagLogFunction,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { TracingSettings } from './config';
import type { Logger } from './logging';
import { withTimeout } from './time';
import {
  currentTrace,
  type CallSpan,
  type RequestOutcome,
  type RequestTrace,
  type SpanAttributes,
  type Tracing,
} from './tracing';

/** At shutdown, spans still buffered get this long to reach the collector; then they are dropped. */
const FLUSH_TIMEOUT_MS = 3_000;
/** Long attribute values (the text of a large batch insert) are cut to this many characters. */
const ATTRIBUTE_LENGTH_LIMIT = 2_048;
/** The SDK's complaints (a collector that does not answer fails every batch) are logged at most this often. */
const DIAGNOSTICS_EVERY_MS = 60_000;

const propagator = new W3CTraceContextPropagator();
const fromHeaders: TextMapGetter<IncomingMessage['headers']> = {
  get: (headers, key) => headers[key],
  keys: (headers) => Object.keys(headers),
};

export class OpenTelemetryTracing implements Tracing {
  private readonly provider: TracerProvider;
  private readonly tracer: Tracer;
  private readonly redisSpans = redisSpans();

  /** `processor`: where ended spans go; by default, batched to the OTLP/HTTP endpoint (tests keep them in memory). */
  constructor(
    settings: TracingSettings,
    private readonly logger: Logger,
    processor: SpanProcessor = otlpBatches(settings),
  ) {
    diag.setLogger(diagnostics(logger), DiagLogLevel.WARN);
    // OTEL_RESOURCE_ATTRIBUTES adds to the resource.
    const resource = resourceFromAttributes({ 'service.name': 'gatehouse', 'service.instance.id': randomUUID() })
      .merge(detectResources({ detectors: [envDetector] }))
      .merge(resourceFromAttributes(settings.serviceName ? { 'service.name': settings.serviceName } : {}));
    this.provider = new TracerProvider({
      resource,
      sampler: sampler(settings),
      spanLimits: { attributeValueLengthLimit: ATTRIBUTE_LENGTH_LIMIT },
      spanProcessors: [processor],
    });
    this.tracer = this.provider.getTracer('gatehouse');
    redisCommands.subscribe(this.redisSpans);
  }

  startRequest(req: IncomingMessage): RequestTrace {
    const parent =
      req.headers.traceparent === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, req.headers, fromHeaders);
    const attributes: SpanAttributes = {
      'http.request.method': req.method ?? '_OTHER',
      'url.path': (req.url ?? '/').split('?')[0]!,
      'url.scheme': (req.socket as TLSSocket).encrypted ? 'https' : 'http',
      'network.protocol.version': req.httpVersion,
    };
    const span = this.tracer.startSpan(req.method ?? 'HTTP', { kind: SpanKind.SERVER, attributes }, parent);
    return new OpenTelemetryRequest(this.tracer, span);
  }

  async shutdown(): Promise<void> {
    redisCommands.unsubscribe(this.redisSpans);
    try {
      await withTimeout(this.provider.shutdown(), FLUSH_TIMEOUT_MS);
    } catch (error) {
      this.logger.warn('tracing: spans not exported at shutdown', {
        timeout_ms: FLUSH_TIMEOUT_MS,
        reason: String(error),
      });
    }
  }
}

class OpenTelemetryRequest implements RequestTrace {
  readonly logFields: RequestTrace['logFields'];
  private readonly context: Context;

  constructor(
    private readonly tracer: Tracer,
    private readonly span: Span,
  ) {
    const { traceId, spanId, traceFlags } = span.spanContext();
    this.logFields = { trace_id: traceId, span_id: spanId, trace_flags: traceFlags.toString(16).padStart(2, '0') };
    this.context = trace.setSpan(ROOT_CONTEXT, span);
  }

  startCall(name: string, attributes: SpanAttributes): CallSpan {
    const span = this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, this.context);
    return {
      end: (error?: unknown) => {
        if (error !== undefined) failed(span, errorType(error));
        span.end();
      },
    };
  }

  end({ operationId, route, status, completed }: RequestOutcome): void {
    const { span } = this;
    if (operationId) span.updateName(operationId);
    if (route) span.setAttribute('http.route', route);
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    // As HTTP server spans are marked: 5xx is the server's failure, 4xx the client's.
    if (!completed) failed(span, 'aborted');
    else if (status !== undefined && status >= 500) failed(span, String(status));
    span.end();
  }
}

function failed(span: Span, type: string): void {
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** A driver's code (ECONNRESET, 23505) or the error's class; never its message, which may quote SQL or values. */
function errorType(error: unknown): string {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' && code) return code;
  return typeof name === 'string' && name ? name : '_OTHER';
}

/** The exporter reads OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION and the certificate variables itself. */
function otlpBatches({ url, protocol }: TracingSettings): SpanProcessor {
  const Exporter = protocol === 'http/json' ? JsonExporter : ProtobufExporter;
  return new BatchSpanProcessor({ exporter: new Exporter({ url }) });
}

function sampler({ sampler: name, ratio }: TracingSettings): Sampler {
  const root = name.endsWith('always_on')
    ? new AlwaysOnSampler()
    : name.endsWith('always_off')
      ? new AlwaysOffSampler()
      : new TraceIdRatioBasedSampler(ratio);
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

/**
 * ioredis (5.11+) publishes each command it writes on this diagnostics
 * channel, with its arguments already redacted; the span takes only the
 * command's name, database and server, never a key or a value.
 */
interface RedisCommand {
  command: string;
  database?: number;
  serverAddress?: string;
  serverPort?: number;
  span?: CallSpan | undefined;
}
const redisCommands = tracingChannel<unknown, RedisCommand>('ioredis:command');
const ignore = () => undefined;
const redisSpans = () => ({
  start(command: RedisCommand) {
    const operation = command.command.toUpperCase();
    command.span = currentTrace()?.startCall(operation, {
      'db.system.name': 'redis',
      'db.operation.name': operation,
      ...(command.database === undefined ? {} : { 'db.namespace': String(command.database) }),
      ...(command.serverAddress ? { 'server.address': command.serverAddress } : {}),
      ...(command.serverPort ? { 'server.port': command.serverPort } : {}),
    });
  },
  end: ignore,
  asyncStart: ignore,
  asyncEnd(command: RedisCommand & { error?: unknown }) {
    command.span?.end(command.error);
  },
  error: ignore,
});

/** The SDK's warnings and errors (a failed export, say) as log lines, at most one a minute. */
function diagnostics(logger: Logger) {
  let lastAt = 0;
  let suppressed = 0;
  const say: DiagLogFunction = (message, ...args) => {
    const now = Date.now();
    if (now - lastAt < DIAGNOSTICS_EVERY_MS) {
      suppressed++;
      return;
    }
    lastAt = now;
    logger.warn(`tracing: ${message}`, {
      ...(args.length ? { detail: args.map(String).join(' ') } : {}),
      ...(suppressed ? { suppressed } : {}),
    });
    suppressed = 0;
  };
  return { error: say, warn: say, info: ignore, debug: ignore, verbose: ignore };
}
