/**
 * `store.graph(name)`: a property graph (issue 6) — nodes with labels and properties, typed and
 * directed edges with properties, adjacency both ways, traversals, shortest paths, a Cypher subset,
 * JSON and CSV import/export. Each method is one call to the worker's 'graph' view (the graph name
 * goes first); traverse pages through results; imports are sent in batches for progress.
 *
 * Ids: nodes and edges get positive integer ids from per-graph counters (1, 2, 3, ... in creation
 * order, never reused). Errors: BAD_VALUE for malformed input, NOT_FOUND for unknown ids,
 * DUPLICATE_KEY for unique-index conflicts, SYNTAX for Cypher syntax, BAD_QUERY for bad filters
 * and query-time errors.
 */
import { LarderError } from '../errors.js';
import { edgeRow, nodeRow, parseCsv, parseHeader } from '../views/graph/csv.js';
import type { WriteStats } from '../views/graph/cypher/exec.js';
import type { CallQueue } from './call-queue.js';
import type { Feed } from './feed.js';

/** A node. */
export interface GraphNode<P = Record<string, unknown>> {
  id: number;
  labels: string[];
  properties: P;
}

/** An edge (relationship). */
export interface GraphEdge<P = Record<string, unknown>> {
  id: number;
  from: number;
  to: number;
  type: string;
  properties: P;
}

/** Which edges of a node: leaving it, entering it, or both. */
export type Direction = 'out' | 'in' | 'both';

/** Options selecting edges around a node. */
export interface AdjacencyOptions {
  direction?: Direction;
  /** One type or several. */
  types?: string | string[];
  /** Alias of types. */
  type?: string | string[];
  /** A filter (document filter language) on the edge (edges()) or node (neighbors()). */
  where?: Record<string, unknown>;
  limit?: number;
}

/** Options of traverse. */
export interface TraverseOptions {
  direction?: Direction;
  types?: string | string[];
  minDepth?: number;
  maxDepth?: number;
  order?: 'bfs' | 'dfs';
  /** Only nodes matching this filter are reported and walked through (the start is walked). */
  where?: Record<string, unknown>;
  limit?: number;
}

/** One node reached by a traversal. */
export interface Visit {
  node: GraphNode;
  depth: number;
  path: { nodes: number[]; edges: number[] };
}

/** Options of shortestPath / allShortestPaths. */
export interface PathOptions {
  direction?: Direction;
  types?: string | string[];
  maxDepth?: number;
  /** A numeric, non-negative edge property to minimise (Dijkstra); missing weighs 1. */
  weight?: string;
  /** allShortestPaths: at most this many paths (default 1000). */
  limit?: number;
}

/** A path and its cost (hops, or the sum of weights). */
export interface Path {
  nodes: number[];
  edges: number[];
  cost: number;
}

/** A Cypher result: column names, rows (arrays in column order) and what the query changed. */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  stats: WriteStats;
}

/** Progress of an import. */
export interface ImportProgress {
  phase: 'nodes' | 'edges';
  done: number;
  total: number;
}

/** Options of importJSON / importCSV. */
export interface ImportOptions {
  /** Items per worker call (default 2000). Each batch is atomic; the import as a whole is not. */
  batchSize?: number;
  onProgress?: (p: ImportProgress) => void;
}

/** Options of importCSV. */
export interface CsvImportOptions extends ImportOptions {
  /** Labels given to every node of the node files. */
  labels?: string[];
  /** Type of relationships whose file has no :TYPE column. */
  type?: string;
  delimiter?: string;
  arrayDelimiter?: string;
}

/** A whole graph as JSON. */
export interface GraphJSON {
  nodes: GraphNode[];
  edges: GraphEdge[];
  indexes?: Array<{ label: string; property: string; unique: boolean; on: 'node' | 'edge' }>;
}

/** A property graph, bound to a store or a transaction. */
export class Graph {
  /** The graph's name. */
  readonly graphName: string;
  /** @internal */
  protected readonly q: CallQueue;
  /** @internal */
  protected readonly tx?: number;
  /** @internal */
  protected readonly feed: Feed;

  /** @internal Use store.graph(name). */
  constructor(q: CallQueue, feed: Feed, name: string, tx?: number) {
    this.q = q;
    this.feed = feed;
    this.graphName = name;
    this.tx = tx;
  }

  private c<T>(m: string, a: unknown[]): Promise<T> {
    return this.q.call<T>('graph', m, [this.graphName, ...a], this.tx);
  }

  /** Adds a node with `labels` (a string or an array) and `properties`. */
  addNode<P = Record<string, unknown>>(labels: string | string[], properties: P = {} as P): Promise<GraphNode<P>> {
    return this.c('addNode', [labels, properties]);
  }

  /** Adds an edge `from -[type]-> to`; both nodes must exist (NOT_FOUND otherwise). */
  addEdge<P = Record<string, unknown>>(from: number, to: number, type: string, properties: P = {} as P): Promise<GraphEdge<P>> {
    return this.c('addEdge', [from, to, type, properties]);
  }

  /** Adds many nodes in one atomic call; resolves with their ids in order. */
  addNodes(nodes: Array<{ labels?: string | string[]; properties?: Record<string, unknown> }>): Promise<number[]> {
    return this.c('addNodes', [nodes]);
  }

  /** Adds many edges in one atomic call; resolves with their ids in order. */
  addEdges(edges: Array<{ from: number; to: number; type: string; properties?: Record<string, unknown> }>): Promise<number[]> {
    return this.c('addEdges', [edges]);
  }

  /** The node `id`, or null. */
  getNode<P = Record<string, unknown>>(id: number): Promise<GraphNode<P> | null> {
    return this.c('getNode', [id]);
  }

  /** The edge `id`, or null. */
  getEdge<P = Record<string, unknown>>(id: number): Promise<GraphEdge<P> | null> {
    return this.c('getEdge', [id]);
  }

  /** Merges `patch` into a node's properties (null removes one); `{ mode: 'replace' }` replaces them. */
  updateNode(id: number, patch: Record<string, unknown>, opts?: { mode?: 'merge' | 'replace' }): Promise<GraphNode> {
    return this.c('updateNode', [id, patch, opts]);
  }

  /** Merges (or replaces) an edge's properties. */
  updateEdge(id: number, patch: Record<string, unknown>, opts?: { mode?: 'merge' | 'replace' }): Promise<GraphEdge> {
    return this.c('updateEdge', [id, patch, opts]);
  }

  /** Adds labels to a node. */
  addLabels(id: number, labels: string | string[]): Promise<GraphNode> {
    return this.c('addLabels', [id, labels]);
  }

  /** Removes labels from a node. */
  removeLabels(id: number, labels: string | string[]): Promise<GraphNode> {
    return this.c('removeLabels', [id, labels]);
  }

  /** Removes an edge (NOT_FOUND when it does not exist). */
  removeEdge(id: number): Promise<void> {
    return this.c('removeEdge', [id]);
  }

  /** Removes a node; refuses while it has edges unless `{ detach: true }` (which removes them). */
  removeNode(id: number, opts?: { detach?: boolean }): Promise<{ edgesRemoved: number }> {
    return this.c('removeNode', [id, opts]);
  }

  /** Nodes with `label` whose properties match `where` (the document filter language), in id order. */
  findNodes<P = Record<string, unknown>>(opts: { label?: string; where?: Record<string, unknown>; limit?: number; skip?: number } = {}): Promise<GraphNode<P>[]> {
    return this.c('findNodes', [opts]);
  }

  /** Edges of `type` whose properties match `where`, in id order. */
  findEdges<P = Record<string, unknown>>(opts: { type?: string; where?: Record<string, unknown>; limit?: number; skip?: number } = {}): Promise<GraphEdge<P>[]> {
    return this.c('findEdges', [opts]);
  }

  /**
   * Indexes `property` of nodes labelled `label` (or, with `{ on: 'edge' }`, of edges of type
   * `label`). A unique index refuses a second element with the same value (DUPLICATE_KEY).
   */
  createIndex(label: string, property: string, opts?: { unique?: boolean; on?: 'node' | 'edge' }): Promise<{ label: string; property: string; unique: boolean; on: string; entries: number; created: boolean }> {
    return this.c('createIndex', [label, property, opts]);
  }

  /** Drops an index; false when there was none. */
  dropIndex(label: string, property: string, opts?: { on?: 'node' | 'edge' }): Promise<boolean> {
    return this.c('dropIndex', [label, property, opts]);
  }

  /** The graph's index definitions. */
  listIndexes(): Promise<Array<{ label: string; property: string; unique: boolean; on: 'node' | 'edge' }>> {
    return this.c('listIndexes', []);
  }

  /** Edges of a node (default: both directions, every type). */
  edges(id: number, opts?: AdjacencyOptions): Promise<GraphEdge[]> {
    return this.c('edges', [id, opts]);
  }

  /** Distinct neighbouring nodes (default: both directions, every type). */
  neighbors(id: number, opts?: AdjacencyOptions): Promise<GraphNode[]> {
    return this.c('neighbors', [id, opts]);
  }

  /** Number of edges of a node (default: both directions, every type). */
  degree(id: number, opts?: AdjacencyOptions): Promise<number> {
    return this.c('degree', [id, opts]);
  }

  /**
   * Walks from `start` (default: outgoing edges, BFS, every depth), yielding `{ node, depth, path }`.
   * Results arrive in pages of growing size; stop early with `break`. Each page re-reads the graph,
   * so writes made while iterating (outside a transaction) may show up in later pages.
   */
  traverse(start: number, opts: TraverseOptions = {}): AsyncIterable<Visit> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        // Each page re-walks the graph from the start, so the first page is large enough for a
        // typical walk to finish in one round trip; later pages grow fourfold.
        let offset = 0;
        let batch = 1024;
        for (;;) {
          const page = await self.c<{ items: Visit[]; done: boolean }>('traverse', [start, opts, offset, batch]);
          yield* page.items;
          if (page.done) return;
          offset += page.items.length;
          batch = Math.min(batch * 4, 65536);
        }
      },
    };
  }

  /** The shortest path (fewest edges, or least total `weight`), or null. */
  shortestPath(from: number, to: number, opts?: PathOptions): Promise<Path | null> {
    return this.c('shortestPath', [from, to, opts]);
  }

  /** Every shortest path (at most `limit`). */
  allShortestPaths(from: number, to: number, opts?: PathOptions): Promise<Path[]> {
    return this.c('allShortestPaths', [from, to, opts]);
  }

  /** Runs a Cypher query (the subset in docs/graph.md) with `$parameters`; writes are atomic. */
  query(cypher: string, params: Record<string, unknown> = {}): Promise<QueryResult> {
    return this.c('query', [cypher, params]);
  }

  /** Node and edge counts, per label and per type. */
  stats(): Promise<{ nodes: number; edges: number; labels: Record<string, number>; types: Record<string, number> }> {
    return this.c('stats', []);
  }

  /** Removes the whole graph (nodes, edges, indexes). Resolves with the number of keys removed. */
  drop(): Promise<number> {
    return this.c('drop', []);
  }

  /** Every graph of the store. */
  listGraphs(): Promise<string[]> {
    return this.q.call('graph', 'listGraphs', [], this.tx);
  }

  /** The whole graph as JSON (read in pages, so a large graph streams out of the worker). */
  async exportJSON(): Promise<GraphJSON> {
    const out: GraphJSON = { nodes: [], edges: [], indexes: await this.listIndexes() };
    for (const kind of ['nodes', 'edges'] as const) {
      let after = 0;
      for (;;) {
        const page = await this.c<{ items: any[]; last: number; done: boolean }>('exportPage', [kind, after, 5000]);
        for (const item of page.items) (out[kind] as unknown[]).push(item);
        if (page.done) break;
        after = page.last;
      }
    }
    return out;
  }

  /**
   * Adds a graph exported by exportJSON (indexes first, then nodes, then edges). Nodes get new
   * ids; edges are wired through the mapping. Resolves with the counts and the id mapping.
   */
  async importJSON(data: GraphJSON, opts: ImportOptions = {}): Promise<{ nodes: number; edges: number; ids: Map<unknown, number> }> {
    if (!data || !Array.isArray(data.nodes) || (data.edges !== undefined && !Array.isArray(data.edges))) throw new LarderError('BAD_VALUE', 'importJSON takes { nodes: [...], edges: [...] }');
    for (const ix of data.indexes ?? []) await this.createIndex(ix.label, ix.property, { unique: ix.unique, on: ix.on });
    const ids = new Map<unknown, number>();
    const nodes = data.nodes.map((n) => ({ key: n.id as unknown, labels: n.labels, properties: n.properties }));
    const edges = (data.edges ?? []).map((e) => ({ start: e.from as unknown, end: e.to as unknown, type: e.type, properties: e.properties }));
    await this.load(nodes, edges, ids, opts);
    return { nodes: nodes.length, edges: edges.length, ids };
  }

  /**
   * Imports CSV files in the style of Neo4j's bulk import (headers like `id:ID(Person)`, `:LABEL`,
   * `:START_ID`, `:END_ID`, `:TYPE`, `born:int`, `tags:string[]`). Node files are loaded first,
   * then relationship files, whose ids refer to the node files' `:ID` columns.
   */
  async importCSV(files: { nodes?: string | string[]; edges?: string | string[] }, opts: CsvImportOptions = {}): Promise<{ nodes: number; edges: number }> {
    const delim = opts.delimiter ?? ',';
    const arr = opts.arrayDelimiter ?? ';';
    const list = (x: string | string[] | undefined) => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
    const nodes: Array<{ key?: unknown; labels: string[]; properties: Record<string, unknown> }> = [];
    const edges: Array<{ start: unknown; end: unknown; type?: string; properties: Record<string, unknown> }> = [];
    for (const text of list(files.nodes)) {
      const [head, ...rows] = parseCsv(text, delim);
      if (!head) continue;
      const cols = parseHeader(head);
      rows.forEach((r, i) => nodes.push(nodeRow(cols, r, i + 2, opts.labels ?? [], arr)));
    }
    for (const text of list(files.edges)) {
      const [head, ...rows] = parseCsv(text, delim);
      if (!head) continue;
      const cols = parseHeader(head);
      rows.forEach((r, i) => edges.push(edgeRow(cols, r, i + 2, opts.type, arr)));
    }
    await this.load(nodes, edges, new Map(), opts);
    return { nodes: nodes.length, edges: edges.length };
  }

  /** Sends nodes then edges in batches, mapping external keys to the new ids. */
  private async load(
    nodes: Array<{ key?: unknown; labels: string[]; properties: Record<string, unknown> }>,
    edges: Array<{ start: unknown; end: unknown; type?: string; properties: Record<string, unknown> }>,
    ids: Map<unknown, number>,
    opts: ImportOptions,
  ): Promise<void> {
    const size = opts.batchSize ?? 2000;
    // Check every reference before the first write, so bad input leaves nothing behind.
    const keys = new Set<unknown>();
    for (const n of nodes) {
      if (n.key === undefined) continue;
      if (keys.has(n.key)) throw new LarderError('DUPLICATE_KEY', `import: node id ${String(n.key).replace('\u0000', ':')} appears twice`);
      keys.add(n.key);
    }
    edges.forEach((e, i) => {
      if (!e.type) throw new LarderError('BAD_VALUE', `import: edge ${i} has no type (add a :TYPE column or pass { type })`);
      for (const [k, what] of [[e.start, 'start'], [e.end, 'end']] as const) {
        if (!keys.has(k)) throw new LarderError('NOT_FOUND', `import: edge ${i} refers to unknown ${what} node ${String(k).replace('\u0000', ':')}`);
      }
    });
    for (let i = 0; i < nodes.length; i += size) {
      const chunk = nodes.slice(i, i + size);
      const got = await this.addNodes(chunk.map((n) => ({ labels: n.labels, properties: n.properties })));
      chunk.forEach((n, j) => { if (n.key !== undefined) ids.set(n.key, got[j]); });
      opts.onProgress?.({ phase: 'nodes', done: Math.min(i + size, nodes.length), total: nodes.length });
    }
    const resolve = (k: unknown, what: string, i: number): number => {
      const id = ids.get(k);
      if (id === undefined) throw new LarderError('NOT_FOUND', `import: edge ${i} refers to unknown ${what} node ${String(k).replace('\u0000', ':')}`);
      return id;
    };
    for (let i = 0; i < edges.length; i += size) {
      const chunk = edges.slice(i, i + size).map((e, j) => {
        if (!e.type) throw new LarderError('BAD_VALUE', `import: edge ${i + j} has no type (add a :TYPE column or pass { type })`);
        return { from: resolve(e.start, 'start', i + j), to: resolve(e.end, 'end', i + j), type: e.type, properties: e.properties };
      });
      await this.addEdges(chunk);
      opts.onProgress?.({ phase: 'edges', done: Math.min(i + size, edges.length), total: edges.length });
    }
  }
}
