/**
 * Makes errors thrown across Comlink arrive as LarderErrors. Comlink's own handler keeps only
 * name, message and stack, so a worker-side `LarderError('CORRUPT', ...)` would reach the page
 * as a plain Error without its code. Both sides install this before talking.
 */
import * as Comlink from 'comlink';
import { LarderError, isLarderError, type LarderErrorCode } from '../errors.js';

type Thrown = { isError: boolean; value: unknown };

let installed = false;

/** Replaces Comlink's 'throw' transfer handler with one that carries LarderError codes. */
export function installErrorTransfer(): void {
  if (installed) return;
  installed = true;
  const original = Comlink.transferHandlers.get('throw')!;
  Comlink.transferHandlers.set('throw', {
    canHandle: original.canHandle,
    serialize(thrown: unknown): [unknown, Transferable[]] {
      const value = (thrown as { value: unknown }).value;
      if (isLarderError(value)) {
        const e = value as LarderError;
        return [{ isError: true, value: { larder: true, code: e.code, message: e.message, details: e.details } }, []];
      }
      return original.serialize(thrown);
    },
    deserialize(serialized: unknown): unknown {
      const s = serialized as Thrown;
      const v = s.value as { larder?: boolean; code?: string; message?: string; details?: unknown } | undefined;
      if (s.isError && v?.larder) throw new LarderError(v.code as LarderErrorCode, v.message ?? '', v.details);
      return original.deserialize(serialized);
    },
  });
}
