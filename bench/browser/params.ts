/** A workload's required parameter, or a clear error naming the one the driver left out. */
export function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`missing parameter ${what}`);
  return v;
}
