import type { Store } from './ports.js';

/** What the wrapper needs from a tracer (observability/tracing.ts): run `fn` inside a named span. */
export interface SpanRunner {
  run<T>(name: string, attributes: Record<string, string>, fn: () => T): T;
}

/** Sub-stores whose every method becomes a span, and the span name prefix of each. */
const PARTS = { projects: 'store.projects', tokens: 'store.tokens', audit: 'store.audit' } as const;

/**
 * A span per store call (`store.getById`, `store.getManyByLookupHashes`, `store.projects.getById`, …),
 * at the store boundary so no query code knows about tracing. The composition root applies it only
 * when tracing is on: with tracing off the store is used bare, and costs nothing extra.
 *
 * Attributes: the backend name (`db.system.name`) and nothing else — no arguments, no results.
 * Everything that is not a sub-store or `keys()` (dialect, migrator, ping, close, poolStats) passes
 * through untraced: health probes and migrations are not request work.
 */
export function traceStore<S extends Store>(store: S, spans: SpanRunner | null): S {
  if (!spans) return store;
  const attributes = { 'db.system.name': dbSystem(store.backend) };
  const wrap = <T extends object>(target: T, prefix: string): T =>
    new Proxy(target, {
      get(t, prop) {
        const value = Reflect.get(t, prop, t);
        if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor') return value;
        return (...args: unknown[]) => spans.run(`${prefix}.${prop}`, attributes, () => value.apply(t, args));
      },
    });
  const parts = new Map<string | symbol, object>(Object.entries(PARTS).map(([k, prefix]) => [k, wrap(store[k as keyof typeof PARTS], prefix)]));
  const keys = (projectId: string) => wrap(store.keys(projectId), 'store');
  return new Proxy(store, {
    get(t, prop) {
      if (prop === 'keys') return keys;
      return parts.get(prop) ?? Reflect.get(t, prop, t);
    },
  });
}

/** OpenTelemetry's `db.system.name` values for our backends. */
function dbSystem(backend: string): string {
  if (backend === 'postgres') return 'postgresql';
  if (backend === 'mysql') return 'mysql';
  return backend;
}
