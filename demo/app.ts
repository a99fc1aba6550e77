/**
 * What every panel shares: the open store (replaced when the Store panel destroys and reopens
 * it), toasts, and a busy-button helper. Panels talk to the database only through the public
 * `larder` API, exactly as an app would.
 */
import { openStore, type Store } from '../src/index.js';
import { h } from './lib/dom.js';
import { errorText } from './lib/show.js';

/** The store name the demo uses. */
export const STORE_NAME = 'larder-demo';

/** A tab's contents. */
export interface Panel {
  /** Called when the tab is shown (start live refreshes) and hidden (stop them). */
  show?(): void;
  hide?(): void;
  /** Called after the store was replaced (destroy + reopen, import): re-read everything. */
  reset?(): void;
}

/** The shared context handed to each panel. */
export class App {
  private current: Store | undefined;
  private readonly resetters: Array<() => void> = [];
  private readonly changeListeners = new Set<() => void>();
  private changeTimer: ReturnType<typeof setTimeout> | undefined;

  /** The open store. */
  get store(): Store {
    if (!this.current) throw new Error('the store is not open yet');
    return this.current;
  }

  /** Opens the demo's store (again, after a destroy). */
  async open(): Promise<Store> {
    this.current = await openStore(STORE_NAME);
    // One feed subscription per store: committed writes from this tab and every other tab.
    this.current.on('change', () => this.changed());
    return this.current;
  }

  /**
   * Calls `fn` (at most every 250 ms) after committed writes from any tab, so panels showing
   * counts stay in sync when another tab writes. Survives the store being replaced.
   */
  onChange(fn: () => void): void {
    this.changeListeners.add(fn);
  }

  private changed(): void {
    this.changeTimer ??= setTimeout(() => {
      this.changeTimer = undefined;
      for (const fn of this.changeListeners) fn();
    }, 250);
  }

  /** Registers a panel's reset, run after the store is replaced. */
  onReset(fn: () => void): void {
    this.resetters.push(fn);
  }

  /** Destroys the store and opens a fresh, empty one under the same name. */
  async destroyAndReopen(): Promise<void> {
    await this.store.destroy();
    this.current = undefined;
    await this.open();
    for (const r of this.resetters) r();
  }

  /** Tells every panel the data changed wholesale (after an import). */
  resetAll(): void {
    for (const r of this.resetters) r();
  }

  /** A short message in the corner; errors stay longer. */
  toast(message: string, kind: 'ok' | 'error' = 'ok'): void {
    const el = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
    document.getElementById('toasts')?.append(el);
    setTimeout(() => el.remove(), kind === 'error' ? 8000 : 3500);
  }

  /**
   * Runs `fn` with `button` disabled (so a double click cannot start it twice), reporting a
   * failure as a toast instead of an unhandled rejection.
   */
  async busy<T>(button: HTMLButtonElement | null, fn: () => Promise<T>): Promise<T | undefined> {
    if (button) button.disabled = true;
    try {
      return await fn();
    } catch (e) {
      this.toast(errorText(e), 'error');
      return undefined;
    } finally {
      if (button) button.disabled = false;
    }
  }
}
