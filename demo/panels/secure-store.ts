/**
 * The Store panel's passphrase card: a second store, "demo-secure", encrypted at rest. Unlocking
 * opens it with `openStore(name, { passphrase })`; locking closes it, and nothing readable is left
 * on disk. A wrong passphrase is an expected answer here, not a failure, so it is shown in the
 * card (LarderError code BAD_PASSPHRASE) instead of a toast or a console error.
 */
import { isLarderError, openStore, type Store } from '../../src/index.js';
import { h, replace } from '../lib/dom.js';
import { errorText } from '../lib/show.js';

/** The encrypted store's name: separate from the demo's main store, which stays unencrypted. */
export const SECURE_STORE = 'demo-secure';
const NOTE_KEY = 'note';
const SAVES = 'saves';

/** Builds the card. It keeps its own store handle; the main store's destroy does not touch it. */
export function secureStoreCard(): HTMLElement {
  let store: Store | undefined;

  const pass = h('input', { id: 'secure-passphrase', type: 'password', autocomplete: 'off', 'aria-label': 'Passphrase', placeholder: 'Passphrase', class: 'grow' });
  const unlockBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'secure-unlock' }, 'Unlock');
  const lockBtn = h('button', { type: 'button', 'data-testid': 'secure-lock', hidden: true }, 'Lock');
  const state = h('p', { class: 'hint', role: 'status', 'data-testid': 'secure-state' }, 'Locked.');
  const message = h('p', { class: 'error', role: 'alert', 'data-testid': 'secure-message' });
  const note = h('input', { id: 'secure-note', autocomplete: 'off', 'aria-label': 'Secret note', placeholder: 'A secret note', class: 'grow' });
  const saveBtn = h('button', { type: 'button', 'data-testid': 'secure-save' }, 'Save');
  const shown = h('p', { class: 'mono', 'data-testid': 'secure-note-shown' });
  const body = h('div', { class: 'stack', hidden: true }, h('div', { class: 'row' }, note, saveBtn), shown);

  async function showContents(s: Store): Promise<void> {
    const [text, saves] = await Promise.all([s.get<string>(NOTE_KEY), s.collection(SAVES).countDocuments({})]);
    replace(shown, text === undefined ? h('span', { class: 'muted' }, 'No note yet.') : `“${text}” (saved ${saves} time${saves === 1 ? '' : 's'})`);
  }

  function setLocked(locked: boolean): void {
    unlockBtn.hidden = !locked;
    pass.hidden = !locked;
    lockBtn.hidden = locked;
    body.hidden = locked;
  }

  async function unlock(): Promise<void> {
    message.textContent = '';
    if (!pass.value) {
      message.textContent = 'Type a passphrase first.';
      return;
    }
    unlockBtn.disabled = true;
    state.textContent = 'Deriving the key (PBKDF2, 600,000 rounds)…';
    try {
      const s = await openStore(SECURE_STORE, { passphrase: pass.value });
      store = s;
      const entries = Number(((await s.info()) as { entries?: number }).entries ?? 0);
      pass.value = '';
      setLocked(false);
      state.textContent = entries === 0 ? `Unlocked: “${SECURE_STORE}” is new and encrypted with this passphrase.` : `Unlocked: “${SECURE_STORE}” decrypted.`;
      await showContents(s);
      note.focus();
    } catch (e) {
      state.textContent = 'Locked.';
      message.textContent = isLarderError(e) && e.code === 'BAD_PASSPHRASE' ? `Wrong passphrase: “${SECURE_STORE}” stays locked.` : `Could not open “${SECURE_STORE}”: ${errorText(e)}`;
      pass.select();
    } finally {
      unlockBtn.disabled = false;
    }
  }

  async function lock(): Promise<void> {
    const s = store;
    store = undefined;
    setLocked(true);
    shown.replaceChildren();
    state.textContent = 'Locked.';
    await s?.close().catch(() => {});
  }

  async function save(): Promise<void> {
    if (!store) return;
    saveBtn.disabled = true;
    try {
      // A key-value write and a document write, both encrypted before they reach IndexedDB.
      await store.set(NOTE_KEY, note.value);
      await store.collection(SAVES).insertOne({ at: new Date(), length: note.value.length });
      note.value = '';
      await showContents(store);
    } catch (e) {
      message.textContent = errorText(e);
    } finally {
      saveBtn.disabled = false;
    }
  }

  unlockBtn.addEventListener('click', () => void unlock());
  pass.addEventListener('keydown', (e) => { if (e.key === 'Enter') void unlock(); });
  lockBtn.addEventListener('click', () => void lock());
  saveBtn.addEventListener('click', () => void save());
  note.addEventListener('keydown', (e) => { if (e.key === 'Enter') void save(); });

  return h('div', { class: 'card stack', 'data-testid': 'secure-card' },
    h('h2', {}, 'Encrypted store'),
    h('p', { class: 'hint' }, 'A second store, ', h('code', {}, `openStore('${SECURE_STORE}', { passphrase })`), ', sealed with AES-GCM under a key derived from the passphrase. IndexedDB only ever holds ciphertext; the passphrase is not kept anywhere, so after a reload it is locked again.'),
    h('div', { class: 'row' }, pass, unlockBtn, lockBtn),
    state, message, body);
}
