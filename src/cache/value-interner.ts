import { LRUCache } from 'lru-cache';

/**
 * Shares one frozen copy of equal values among cache entries. Keys of a project tend to repeat the same
 * scope sets, metadata shapes and CIDR lists; a million cached keys each holding its own parsed copy
 * spent more memory on those than on everything else (docs/benchmarks.md, cache-rss-1m). Values are
 * frozen because they are shared: a consumer that tried to mutate one would throw instead of silently
 * changing other keys. Bounded, so unique values cost at most `max` table slots.
 */
export class ValueInterner {
  private readonly table: LRUCache<string, object>;

  constructor(max = 20_000) {
    this.table = new LRUCache({ max });
  }

  /** A frozen array equal to `values` (the same instance for equal contents). */
  list<T extends string>(values: readonly T[]): readonly T[] {
    if (values.length === 0) return EMPTY as readonly T[];
    return this.intern(`l\u0000${values.join('\u0000')}`, values) as readonly T[];
  }

  /** A deeply frozen object equal to `value` (JSON-equal values share one instance). */
  json<T extends object>(value: T): T {
    const keys = Object.keys(value);
    if (keys.length === 0) return EMPTY_OBJECT as T;
    return this.intern(`j\u0000${JSON.stringify(value)}`, value) as T;
  }

  private intern(key: string, value: object): object {
    const hit = this.table.get(key);
    if (hit !== undefined) return hit;
    const frozen = deepFreeze(structuredClone(value));
    this.table.set(key, frozen);
    return frozen;
  }
}

const EMPTY: readonly string[] = Object.freeze([]);
const EMPTY_OBJECT = Object.freeze({});

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v)) deepFreeze(child);
  }
  return v;
}
