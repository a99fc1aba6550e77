/**
 * A binary min-heap of (priority, value) pairs for Dijkstra. Priorities and values live in two
 * parallel arrays, so pushing allocates nothing per entry beyond the arrays' growth.
 */
export class MinHeap<T> {
  private readonly pri: number[] = [];
  private readonly val: T[] = [];

  /** Number of entries. */
  get size(): number {
    return this.pri.length;
  }

  /** Adds `value` with `priority`. */
  push(priority: number, value: T): void {
    const p = this.pri, v = this.val;
    let i = p.length;
    p.push(priority);
    v.push(value);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (p[up] <= priority) break;
      p[i] = p[up]; v[i] = v[up];
      i = up;
    }
    p[i] = priority; v[i] = value;
  }

  /** The smallest priority (undefined when empty). */
  peekPriority(): number | undefined {
    return this.pri[0];
  }

  /** Removes and returns the entry with the smallest priority. */
  pop(): [number, T] | undefined {
    const p = this.pri, v = this.val;
    if (p.length === 0) return undefined;
    const top: [number, T] = [p[0], v[0]];
    const lp = p.pop()!, lv = v.pop()!;
    const n = p.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const c = l + 1 < n && p[l + 1] < p[l] ? l + 1 : l;
        if (p[c] >= lp) break;
        p[i] = p[c]; v[i] = v[c];
        i = c;
      }
      p[i] = lp; v[i] = lv;
    }
    return top;
  }
}
