import type { Counter } from 'prom-client';

type Value = string | number;

/** One label-value combination: its labels and its increments since the last scrape. */
interface Cell {
  n: number;
  labels: Record<string, Value>;
}

interface Node {
  next: Map<Value, Node>;
  cell?: Cell;
}

/**
 * Increments of a prom-client Counter kept as plain numbers, one cell per label-value combination, and
 * handed to the Counter when it is scraped (its `collect`). For the verify hot path: prom-client's
 * `inc(labels)` hashes the label object on every call (≈ 0.2 µs each, three calls per verification);
 * here a call is a lookup per label value and an addition. The scrape shows the same totals; direct
 * `inc` calls on the Counter (the rarer paths) still work beside it.
 *
 * Label values must come from bounded sets (route patterns, codes), as for any Prometheus label: a cell is
 * kept for every combination ever seen.
 */
export class CounterCells {
  private readonly root: Node = { next: new Map() };
  private readonly cells: Cell[] = [];

  constructor(private readonly labelNames: readonly string[]) {}

  /** Adds one to the combination of label values (given in `labelNames` order). */
  inc(a: Value, b?: Value, c?: Value): void {
    this.cell(a, b, c).n++;
  }

  private cell(a: Value, b?: Value, c?: Value): Cell {
    let node = this.step(this.root, a);
    if (this.labelNames.length > 1) node = this.step(node, b as Value);
    if (this.labelNames.length > 2) node = this.step(node, c as Value);
    if (!node.cell) {
      const values = [a, b, c];
      const labels: Record<string, Value> = {};
      this.labelNames.forEach((name, i) => {
        labels[name] = values[i] as Value;
      });
      node.cell = { n: 0, labels };
      this.cells.push(node.cell);
    }
    return node.cell;
  }

  /** Moves the counts gathered since the last call into `counter` (from its `collect`, on scrape). */
  drainInto<L extends string>(counter: Counter<L>): void {
    for (const c of this.cells) {
      if (c.n === 0) continue;
      counter.inc(c.labels as Partial<Record<L, Value>>, c.n);
      c.n = 0;
    }
  }

  private step(node: Node, v: Value): Node {
    let next = node.next.get(v);
    if (!next) {
      next = { next: new Map() };
      node.next.set(v, next);
    }
    return next;
  }
}
