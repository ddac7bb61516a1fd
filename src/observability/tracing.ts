import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { Config } from '../config/schema.js';

// Only `import type` from OpenTelemetry at the top: with tracing off no SDK module is loaded (the tiny
// @opentelemetry/api may be, by the Redis client's own optional instrumentation), and the
// composition root wires none of the wrappers (store, pipeline, HTTP hooks, log mixin) — the hot path
// is exactly the untraced code, not a disabled branch of it.
type Api = typeof import('@opentelemetry/api');
type Provider = import('@opentelemetry/sdk-trace-node').NodeTracerProvider;

export type TracingConfig = Config['tracing'];

/**
 * OpenTelemetry tracing, started only when `tracing.enabled`: a Node tracer provider with a batch span
 * processor and the OTLP/HTTP (JSON) exporter. Spans carry bounded attributes only — credential type,
 * result code, cache outcome, route pattern, store method — never a credential, key material, token,
 * URL or error message.
 *
 * The provider is registered globally (AsyncLocalStorage context manager, W3C trace-context + baggage
 * propagator); if the embedding process already registered one, ours still exports its own spans.
 * One tracing-enabled app per process: `shutdown()` unregisters the globals.
 */
export class Tracing {
  private readonly tracer;
  private warn: (msg: string) => void = () => {};

  private constructor(
    private readonly api: Api,
    private readonly provider: Provider,
    private readonly ownsGlobals: boolean,
  ) {
    this.tracer = provider.getTracer('keysmith');
  }

  /**
   * Runs `fn` in a new span, child of the active one, and ends it when `fn` (or its promise) settles.
   * A failure sets the span status to ERROR with `error.type` only.
   */
  run<T>(name: string, attributes: Attributes | undefined, fn: (span: Span) => T): T {
    return this.tracer.startActiveSpan(name, { attributes }, (span) => {
      let result: T;
      try {
        result = fn(span);
      } catch (e) {
        this.fail(span, e);
        throw e;
      }
      if (result instanceof Promise)
        return result.then(
          (v) => {
            span.end();
            return v;
          },
          (e) => {
            this.fail(span, e);
            throw e;
          },
        ) as T;
      span.end();
      return result;
    });
  }

  // Security: the error's class name only — driver messages quote values (hashes, request ids, DSNs).
  private fail(span: Span, e: unknown): void {
    span.setStatus({ code: this.api.SpanStatusCode.ERROR });
    span.setAttribute('error.type', (e as Error | undefined)?.name ?? 'Error');
    span.end();
  }

  /** An HTTP server span whose parent is the caller's W3C `traceparent` (if any), and its context. */
  startServerSpan(name: string, headers: Record<string, unknown>, attributes: Attributes): { span: Span; context: Context } {
    const parent = this.api.propagation.extract(this.api.ROOT_CONTEXT, headers);
    const span = this.tracer.startSpan(name, { kind: this.api.SpanKind.SERVER, attributes }, parent);
    return { span, context: this.api.trace.setSpan(parent, span) };
  }

  /** Marks a server span failed (5xx) without any detail. */
  markError(span: Span): void {
    span.setStatus({ code: this.api.SpanStatusCode.ERROR });
  }

  withContext<T>(context: Context, fn: () => T): T {
    return this.api.context.with(context, fn);
  }

  /** pino `mixin`: the active span's ids on every log line written inside a traced request. */
  readonly logFields = (): Record<string, string> => {
    const span = this.api.trace.getSpan(this.api.context.active());
    if (!span) return {}; // a fresh object: pino merges the line's fields into it
    const c = span.spanContext();
    return { trace_id: c.traceId, span_id: c.spanId };
  };

  /** Export problems (collector down, rejected batch) as warnings: the message only, never a payload. */
  reportTo(warn: (msg: string) => void): void {
    const log = (msg: string) => warn(`opentelemetry: ${msg}`);
    this.warn = log;
    this.api.diag.setLogger({ error: log, warn: log, info: () => {}, debug: () => {}, verbose: () => {} }, this.api.DiagLogLevel.WARN);
  }

  /** Flushes queued spans to the exporter and unregisters the globals; an unreachable collector only warns. */
  async shutdown(): Promise<void> {
    try {
      await this.provider.shutdown();
    } catch (e) {
      const err = e as { code?: string; name?: string } | undefined;
      this.warn(`flushing spans at shutdown failed (${err?.code ?? err?.name ?? 'error'})`);
    } finally {
      if (this.ownsGlobals) {
        this.api.trace.disable();
        this.api.context.disable();
        this.api.propagation.disable();
      }
      this.api.diag.disable();
    }
  }

  /** Loads the SDK (lazily: ≈ 90 ms and a few MB, paid only when tracing is on) and registers it. */
  static async start(config: TracingConfig): Promise<Tracing> {
    // sdk-trace-node rather than sdk-node's NodeSDK: NodeSDK also loads the metrics and logs SDKs and
    // every exporter flavour (≈ 255 ms vs ≈ 90 ms to import here) for features we do not use.
    const [api, sdk, otlp, resources] = await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
    const exporter = new otlp.OTLPTraceExporter(config.otlp_endpoint ? { url: config.otlp_endpoint } : {});
    const provider = new sdk.NodeTracerProvider({
      resource: resources.resourceFromAttributes({ 'service.name': config.service_name }),
      spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
    });
    provider.register();
    const global = api.trace.getTracerProvider() as { getDelegate?: () => unknown };
    return new Tracing(api, provider, global.getDelegate?.() === provider);
  }
}
