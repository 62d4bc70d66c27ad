/**
 * OpenTelemetry tracing: off unless an OTLP endpoint is configured. Each server instance owns its
 * provider (no global registration, so several servers in one process stay apart); the context
 * manager (AsyncLocalStorage) is process-wide, as OpenTelemetry requires. The SDK and its OTLP
 * exporter load only when an endpoint is set (~150-250 ms of imports a start without one skips).
 */

import { context, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

export interface TracingOptions {
  /** OTLP/HTTP base URL, e.g. http://collector:4318 (spans go to `<url>/v1/traces`). */
  endpoint?: string | undefined;
  serviceName: string;
  serviceVersion: string;
  /** Share of root traces kept (parent decisions are honoured). */
  sampleRatio: number;
}

export interface Tracing {
  tracer: Tracer;
  enabled: boolean;
  propagator: W3CTraceContextPropagator;
  /** Flushes pending spans and stops exporting. */
  shutdown(): Promise<void>;
}

let contextManagerInstalled = false;
/** True while a server in this process exports traces; domain code skips span work otherwise. */
let active = false;

/** The process tracer (no-op unless tracing is configured). */
export function tracer(): Tracer {
  return trace.getTracer('modelgarden');
}

export function tracingActive(): boolean {
  return active;
}

function installContextManager(): void {
  if (contextManagerInstalled) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  contextManagerInstalled = true;
}

export async function createTracing(options: TracingOptions): Promise<Tracing> {
  const propagator = new W3CTraceContextPropagator();
  if (!options.endpoint) {
    return { tracer: trace.getTracer('modelgarden'), enabled: false, propagator, shutdown: async () => {} };
  }
  const [
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler },
    { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION },
  ] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  installContextManager();
  const exporter = new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion,
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 })],
  });
  // Registered globally so domain code (scheduler, preprocessing) reaches it without plumbing;
  // one traced server per process, as in production.
  trace.setGlobalTracerProvider(provider);
  active = true;
  return {
    tracer: provider.getTracer('modelgarden', options.serviceVersion),
    enabled: true,
    propagator,
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      active = false;
    },
  };
}

/** The active trace and span ids, for log lines (empty outside a traced request). */
export function activeTraceIds(): { traceId?: string; spanId?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ctx = span.spanContext();
  return trace.isSpanContextValid(ctx) ? { traceId: ctx.traceId, spanId: ctx.spanId } : {};
}

/**
 * Runs `fn` inside a child span of the active one; records exceptions and ends the span. Without
 * tracing it just calls `fn`.
 * @example const tensor = await inSpan('preprocess', { 'modelgarden.model': 'digits' }, () => decode(bytes));
 */
export function inSpan<T>(
  name: string,
  attributes: Record<string, string | number | boolean>,
  fn: () => T,
): T {
  if (!active) return fn();
  return tracer().startActiveSpan(name, { attributes }, (span) => {
    const fail = (err: unknown) => {
      span.recordException(err as Error);
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: err instanceof Error ? err.message : String(err),
      });
    };
    try {
      const result = fn();
      if (result instanceof Promise) {
        return result.then(
          (v) => {
            span.end();
            return v;
          },
          (err) => {
            fail(err);
            span.end();
            throw err;
          },
        ) as T;
      }
      span.end();
      return result;
    } catch (err) {
      fail(err);
      span.end();
      throw err;
    }
  });
}
