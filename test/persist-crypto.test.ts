import { describe, expect, it } from 'vitest';
import { checkVerifier, deriveKey, makeVerifier, open, randomBytes, seal } from '../src/persist/crypto.js';

const te = new TextEncoder();

describe('persist crypto', () => {
  it('seals and opens, binding associated data; wrong key or tamper fails', async () => {
    const salt = randomBytes(16);
    const k1 = await deriveKey('correct horse', salt, 1000);
    const k2 = await deriveKey('battery staple', salt, 1000);
    const msg = te.encode('secret value bytes');
    const s = await seal(k1, msg, 'wal:1');
    expect(s.length).toBe(12 + msg.length + 16);
    expect(await open(k1, s, 'wal:1')).toEqual(msg);
    await expect(open(k1, s, 'wal:2')).rejects.toMatchObject({ code: 'CORRUPT' });
    await expect(open(k2, s, 'wal:1')).rejects.toMatchObject({ code: 'CORRUPT' });
    const t = s.slice();
    t[20] ^= 1;
    await expect(open(k1, t, 'wal:1', 'wal[1]')).rejects.toMatchObject({ code: 'CORRUPT', message: expect.stringMatching(/wal\[1\]/) });
    await expect(open(k1, s.subarray(0, 10))).rejects.toMatchObject({ code: 'CORRUPT' });
    // Same passphrase + salt derives the same key.
    const k1b = await deriveKey('correct horse', salt, 1000);
    expect(await open(k1b, s, 'wal:1')).toEqual(msg);
  });

  it('the verifier recognises a wrong passphrase', async () => {
    const salt = randomBytes(16);
    const k = await deriveKey('pw', salt, 1000);
    const v = await makeVerifier(k);
    await expect(checkVerifier(k, v, 's')).resolves.toBeUndefined();
    await expect(checkVerifier(await deriveKey('pw2', salt, 1000), v, 's')).rejects.toMatchObject({ code: 'BAD_PASSPHRASE' });
    await expect(deriveKey('', salt, 1000)).rejects.toMatchObject({ code: 'BAD_PASSPHRASE' });
  });
});
