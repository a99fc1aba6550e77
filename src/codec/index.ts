/** The value codec and ObjectId. See value.ts for the byte format. */
export { ObjectId } from './object-id.js';
export { encodeValue, decodeValue } from './value.js';
export { MAX_DEPTH } from './limits.js';
