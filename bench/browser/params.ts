/** A workload's required parameter, or a clear error naming the one the driver left out. */
export function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`missing parameter ${what}`);
  return v;
}

/** Commands per pipeline in the kv benchmark's pipelined parts (`<op>.p`): sent, awaited, then the next. */
export const KV_PIPELINE = 1000;
