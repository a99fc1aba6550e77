/** Order-preserving keys: MongoDB's comparison order as bytes. See compare.ts and encode.ts. */
export { compareValues, compareStrings, typeClassOf, TypeClass, MinKey, MaxKey } from './compare.js';
export {
  KeyBuilder,
  KeyType,
  compareBytes,
  decodeKey,
  decodeKeyComponent,
  encodeCompound,
  encodeKey,
  encodeKeyInto,
  prefixSuccessor,
} from './encode.js';
export type { Direction, DecodeKeyOptions } from './encode.js';
