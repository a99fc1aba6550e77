/**
 * Encryption at rest through WebCrypto (globalThis.crypto.subtle: browsers, workers, Node >= 20).
 *
 * - Key: PBKDF2-HMAC-SHA-256 over the UTF-8 passphrase and a random 16-byte salt, DEFAULT_ITERATIONS
 *   (600,000, OWASP's 2023 figure for PBKDF2-SHA-256) unless the store was created with another
 *   count (tests use ~1,000); the count used is stored in meta so reopening always matches.
 *   Derives a non-extractable AES-GCM 256-bit key.
 * - Sealed bytes: `iv (12 random bytes) || ciphertext || tag (16 bytes)`. Random 96-bit IVs are
 *   safe for far more records than a store writes in its life (the NIST bound is 2^32 per key).
 * - Associated data binds each sealed record to its place (`"wal:<seq>"`, `"page:<id>"`,
 *   `"verifier"`), so a record copied or swapped to another key fails authentication.
 * - Verifier: VERIFIER_PLAINTEXT sealed under the key, stored in meta. A wrong passphrase fails to
 *   open it and is reported as BAD_PASSPHRASE before any data is touched; after that, any
 *   authentication failure means tampering or damage and is CORRUPT.
 */

import { LarderError } from '../errors.js';

/** PBKDF2 iterations for new stores unless overridden. */
export const DEFAULT_ITERATIONS = 600_000;
/** Bytes of random IV before each ciphertext. */
export const IV_BYTES = 12;
/** Bytes of the GCM authentication tag after each ciphertext. */
export const TAG_BYTES = 16;
/** Bytes of PBKDF2 salt for new stores. */
export const SALT_BYTES = 16;
/** The constant the verifier seals. */
export const VERIFIER_PLAINTEXT = new TextEncoder().encode('larder verifier v1');

const enc = new TextEncoder();

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new LarderError('INTERNAL', 'encryption needs WebCrypto (globalThis.crypto.subtle), which this context lacks (not a secure context?)');
  return s;
}

/** Returns `n` cryptographically random bytes. */
export function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  globalThis.crypto.getRandomValues(b);
  return b;
}

/** Derives the AES-GCM 256 key for `passphrase` and `salt` with PBKDF2-SHA-256 over `iterations` rounds. */
export async function deriveKey(passphrase: string, salt: Uint8Array, iterations = DEFAULT_ITERATIONS): Promise<CryptoKey> {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new LarderError('BAD_PASSPHRASE', 'the passphrase must be a non-empty string');
  if (!Number.isInteger(iterations) || iterations < 1) throw new LarderError('BAD_VALUE', `PBKDF2 iterations must be a positive integer, got ${iterations}`);
  const s = subtle();
  const base = await s.importKey('raw', enc.encode(passphrase), 'PBKDF2', false, ['deriveKey']);
  return s.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations }, base, { name: 'AES-GCM', length: 256 }, false, [
    'encrypt',
    'decrypt',
  ]);
}

/** Encrypts `bytes` under `key`: returns iv(12) + ciphertext + tag(16). `aad` is authenticated, not stored. */
export async function seal(key: CryptoKey, bytes: Uint8Array, aad?: string): Promise<Uint8Array> {
  const iv = randomBytes(IV_BYTES);
  const params: AesGcmParams = { name: 'AES-GCM', iv: iv as BufferSource };
  if (aad !== undefined) params.additionalData = enc.encode(aad);
  const ct = new Uint8Array(await subtle().encrypt(params, key, bytes as BufferSource));
  const out = new Uint8Array(IV_BYTES + ct.length);
  out.set(iv, 0);
  out.set(ct, IV_BYTES);
  return out;
}

/**
 * Decrypts what `seal` produced with the same `key` and `aad`. Throws LarderError('CORRUPT',
 * naming `what`) when the bytes are too short or fail authentication (tampered, damaged, moved,
 * or sealed under another key).
 */
export async function open(key: CryptoKey, bytes: Uint8Array, aad?: string, what = 'sealed record'): Promise<Uint8Array> {
  if (!(bytes instanceof Uint8Array) || bytes.length < IV_BYTES + TAG_BYTES) {
    throw new LarderError('CORRUPT', `${what}: too short to be a sealed record`);
  }
  const params: AesGcmParams = { name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES) as BufferSource };
  if (aad !== undefined) params.additionalData = enc.encode(aad);
  try {
    return new Uint8Array(await subtle().decrypt(params, key, bytes.subarray(IV_BYTES) as BufferSource));
  } catch {
    throw new LarderError('CORRUPT', `${what}: failed authentication (AES-GCM tag mismatch)`);
  }
}

/** Seals VERIFIER_PLAINTEXT under `key`, for storing in meta. */
export function makeVerifier(key: CryptoKey): Promise<Uint8Array> {
  return seal(key, VERIFIER_PLAINTEXT, 'verifier');
}

/** Resolves when `verifier` opens under `key`; otherwise throws LarderError('BAD_PASSPHRASE'). */
export async function checkVerifier(key: CryptoKey, verifier: Uint8Array, storeName: string): Promise<void> {
  let plain: Uint8Array;
  try {
    plain = await open(key, verifier, 'verifier', 'verifier');
  } catch {
    throw new LarderError('BAD_PASSPHRASE', `store "${storeName}": wrong passphrase`);
  }
  if (plain.length !== VERIFIER_PLAINTEXT.length || plain.some((b, i) => b !== VERIFIER_PLAINTEXT[i])) {
    throw new LarderError('BAD_PASSPHRASE', `store "${storeName}": wrong passphrase`);
  }
}
