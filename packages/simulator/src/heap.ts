/**
 * A binary min-heap ordered by `(at, seq)`: the simulator's agenda. Ties in time keep the
 * order in which actions were scheduled, so the output is deterministic.
 *
 * @example
 * const h = createAgenda<string>();
 * h.push(5, 'b'); h.push(1, 'a');
 * h.pop()?.item; // 'a'
 */
export const createAgenda = <T>() => {
  type Entry = { at: number; seq: number; item: T };
  const items: Entry[] = [];
  let seq = 0;
  const less = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  const swap = (i: number, j: number) => {
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  };
  return {
    get size() {
      return items.length;
    },
    push(at: number, item: T): void {
      items.push({ at, seq: seq++, item });
      let i = items.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!less(items[i]!, items[parent]!)) break;
        swap(i, parent);
        i = parent;
      }
    },
    pop(): Entry | undefined {
      const top = items[0];
      const last = items.pop();
      if (top === undefined || last === undefined) return undefined;
      if (items.length > 0) {
        items[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < items.length && less(items[l]!, items[m]!)) m = l;
          if (r < items.length && less(items[r]!, items[m]!)) m = r;
          if (m === i) break;
          swap(i, m);
          i = m;
        }
      }
      return top;
    },
  };
};
