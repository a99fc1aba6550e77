/**
 * A small force-directed layout (repulsion between every pair, springs along edges, a pull to
 * the centre), run to rest synchronously. Results of a demo query are tens to a few hundred
 * nodes, where O(n²) per step is a few milliseconds; a simulation library would be overkill.
 */

/** A node being laid out; x and y are filled in (and kept between runs for stability). */
export interface LayoutNode {
  id: number;
  x?: number;
  y?: number;
}

/** An edge between two node ids. */
export interface LayoutEdge {
  from: number;
  to: number;
}

/**
 * Positions `nodes` inside a `width` × `height` box. Nodes that already have a position start
 * there, so adding neighbours to a drawing moves the old nodes little.
 */
export function layout(nodes: LayoutNode[], edges: LayoutEdge[], width: number, height: number, iterations = 300): void {
  const n = nodes.length;
  if (n === 0) return;
  const cx = width / 2;
  const cy = height / 2;
  const index = new Map(nodes.map((nd, i) => [nd.id, i]));
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  // Unplaced nodes start on a circle (a deterministic start gives the same picture every run).
  nodes.forEach((nd, i) => {
    const a = (2 * Math.PI * i) / n;
    const r = Math.min(width, height) * 0.3;
    xs[i] = nd.x ?? cx + r * Math.cos(a);
    ys[i] = nd.y ?? cy + r * Math.sin(a);
  });
  const links = edges.map((e) => [index.get(e.from), index.get(e.to)]).filter((p): p is [number, number] => p[0] !== undefined && p[1] !== undefined && p[0] !== p[1]);
  const ideal = Math.max(40, Math.min(110, Math.sqrt((width * height) / n) * 0.8));
  const dx = new Float64Array(n);
  const dy = new Float64Array(n);
  for (let it = 0; it < iterations; it++) {
    const temp = (1 - it / iterations) * ideal * 0.5 + 0.5;
    dx.fill(0);
    dy.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        let ddx = xs[i]! - xs[j]!;
        let ddy = ys[i]! - ys[j]!;
        let d2 = ddx * ddx + ddy * ddy;
        if (d2 < 0.01) {
          ddx = (i - j) * 0.1;
          ddy = 0.1;
          d2 = ddx * ddx + ddy * ddy;
        }
        const f = (ideal * ideal) / d2;
        dx[i]! += ddx * f;
        dy[i]! += ddy * f;
        dx[j]! -= ddx * f;
        dy[j]! -= ddy * f;
      }
    }
    for (const [a, b] of links) {
      const ddx = xs[a]! - xs[b]!;
      const ddy = ys[a]! - ys[b]!;
      const d = Math.sqrt(ddx * ddx + ddy * ddy) || 0.01;
      const f = d / ideal;
      dx[a]! -= ddx * f;
      dy[a]! -= ddy * f;
      dx[b]! += ddx * f;
      dy[b]! += ddy * f;
    }
    for (let i = 0; i < n; i++) {
      dx[i]! += (cx - xs[i]!) * 0.05;
      dy[i]! += (cy - ys[i]!) * 0.05;
      const len = Math.sqrt(dx[i]! * dx[i]! + dy[i]! * dy[i]!) || 1;
      const step = Math.min(len, temp);
      xs[i]! += (dx[i]! / len) * step;
      ys[i]! += (dy[i]! / len) * step;
    }
  }
  // Fit the result into the box afterwards (clamping during the run would pile nodes up on the
  // borders); small drawings are not blown up past 1.5×.
  const pad = 40;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, xs[i]!); x1 = Math.max(x1, xs[i]!);
    y0 = Math.min(y0, ys[i]!); y1 = Math.max(y1, ys[i]!);
  }
  const scale = Math.min((width - 2 * pad) / Math.max(x1 - x0, 1), (height - 2 * pad) / Math.max(y1 - y0, 1), 1.5);
  const mx = (x0 + x1) / 2;
  const my = (y0 + y1) / 2;
  nodes.forEach((nd, i) => {
    nd.x = cx + (xs[i]! - mx) * scale;
    nd.y = cy + (ys[i]! - my) * scale;
  });
}
