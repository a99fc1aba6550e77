/**
 * Key-value panel: a redis-cli-like console over `store.kv.sendCommand`, plus live views of the
 * sample's sessions (TTLs counting down) and leaderboard.
 */
import type { App, Panel } from '../app.js';
import { h, replace } from '../lib/dom.js';
import { formatReply, splitArgs, SplitError } from '../lib/redis-cli.js';
import { errorText } from '../lib/show.js';
import { loadKvSample } from '../samples/kv-sample.js';

const HISTORY_KEY = 'larder-demo:kv-history';
const EXAMPLES = ['PING', 'SET greeting "Hello, world"', 'GET greeting', 'INCR visits', 'ZRANGE leaderboard 0 4 REV WITHSCORES', 'HGETALL session:…', 'KEYS *', 'TTL greeting', 'LRANGE queue:emails 0 -1'];

/** Builds the key-value panel into `root`. */
export function kvPanel(app: App, root: HTMLElement): Panel {
  const out = h('div', { class: 'console-out', role: 'log', 'aria-label': 'Console output', 'data-testid': 'kv-output' });
  const input = h('input', { id: 'kv-input', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'off', 'aria-label': 'Redis command', placeholder: 'Type a command, e.g. SET name "Ada"' });
  const history: string[] = loadHistory();
  let cursor = history.length;
  let draft = '';

  const print = (text: string, cls?: string) => out.append(h('div', { class: cls }, text));

  async function run(line: string): Promise<void> {
    print(line, 'cmd');
    let args: string[];
    try {
      args = splitArgs(line);
    } catch (e) {
      print(e instanceof SplitError ? e.message : String(e), 'err');
      return;
    }
    if (args.length === 0) return;
    const name = args[0]!.toUpperCase();
    if (name === 'CLEAR') {
      out.replaceChildren();
      return;
    }
    if (name === 'HELP') {
      print('Any Redis command: strings, hashes, lists, sets, sorted sets, TTLs, MULTI/EXEC. ↑/↓ walk the history; CLEAR empties the screen.', 'note');
      return;
    }
    try {
      const reply = await app.store.kv.sendCommand(args);
      for (const l of formatReply(reply, name)) print(l.text, l.error ? 'err' : undefined);
    } catch (e) {
      // Larder errors carry Redis's own text (ERR ..., WRONGTYPE ...), as redis-cli shows it.
      print(`(error) ${e instanceof Error ? e.message : String(e)}`, 'err');
    }
    void refreshLive();
  }

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      const line = input.value;
      if (!line.trim()) return;
      if (history[history.length - 1] !== line) history.push(line);
      saveHistory(history);
      cursor = history.length;
      input.value = '';
      void run(line).then(() => { out.scrollTop = out.scrollHeight; });
    } else if (e.key === 'ArrowUp') {
      if (cursor === 0) return;
      e.preventDefault();
      if (cursor === history.length) draft = input.value;
      input.value = history[--cursor] ?? '';
    } else if (e.key === 'ArrowDown') {
      if (cursor >= history.length) return;
      e.preventDefault();
      cursor++;
      input.value = cursor === history.length ? draft : history[cursor]!;
    } else if (e.key === 'l' && e.ctrlKey) {
      e.preventDefault();
      out.replaceChildren();
    }
  });
  out.addEventListener('click', () => { if (!getSelection()?.toString()) input.focus(); });

  const examples = h('div', { class: 'chips', 'aria-label': 'Example commands' });
  for (const ex of EXAMPLES) {
    examples.append(h('button', { class: 'chip', type: 'button', onclick: () => { input.value = ex.replace('session:…', firstSession ?? 'session:…'); input.focus(); } }, ex));
  }

  // Live side panel: sessions with their TTLs, and the leaderboard.
  const sessions = h('ul', { class: 'ttl-list', 'aria-label': 'Sessions and their time to live', 'data-testid': 'kv-sessions' });
  const board = h('ol', { class: 'board', 'aria-label': 'Leaderboard', 'data-testid': 'kv-board' });
  const firstTtl = new Map<string, number>();
  let firstSession: string | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let refreshing = false;

  async function refreshLive(): Promise<void> {
    if (refreshing) return;
    refreshing = true;
    try {
      const kv = app.store.kv;
      const keys = ((await kv.sendCommand(['KEYS', 'session:*'])) as string[]).sort();
      const [ttls, users, top] = await Promise.all([
        Promise.all(keys.map((k) => kv.sendCommand(['PTTL', k]) as Promise<number>)),
        Promise.all(keys.map((k) => kv.sendCommand(['HGET', k, 'user']) as Promise<string | null>)),
        kv.sendCommand(['ZRANGE', 'leaderboard', '0', '9', 'REV', 'WITHSCORES']) as Promise<string[]>,
      ]);
      firstSession = keys[0];
      const rows = keys.map((k, i) => ({ k, ttl: ttls[i]!, user: users[i] })).filter((r) => r.ttl !== -2);
      if (rows.length === 0) sessions.replaceChildren(h('li', { class: 'muted' }, 'No sessions. Load the sample, or: HSET session:x user me then EXPIRE session:x 30'));
      else {
        sessions.replaceChildren(...rows.map(({ k, ttl, user }) => {
          const first = Math.max(firstTtl.get(k) ?? ttl, ttl);
          firstTtl.set(k, first);
          const pct = ttl < 0 ? 100 : Math.max(0, Math.min(100, (ttl / first) * 100));
          return h('li', { class: ttl >= 0 && ttl < 10_000 ? 'soon' : undefined },
            h('span', { class: 'mono' }, k, user ? h('span', { class: 'muted' }, ` · ${user}`) : null),
            h('span', { class: 'ttl' }, ttl < 0 ? 'no TTL' : `${Math.ceil(ttl / 1000)}s`),
            h('span', { class: 'bar', 'aria-hidden': 'true' }, fill(pct)));
        }));
      }
      if (top.length === 0) board.replaceChildren(h('li', { class: 'muted' }, 'No leaderboard yet.'));
      else {
        const items: HTMLElement[] = [];
        for (let i = 0; i < top.length; i += 2) {
          items.push(h('li', {}, h('span', { class: 'rank' }, `${i / 2 + 1}.`), h('span', {}, top[i]!), h('span', { class: 'score' }, top[i + 1]!)));
        }
        board.replaceChildren(...items);
      }
    } catch (e) {
      sessions.replaceChildren(h('li', { class: 'error' }, errorText(e)));
    } finally {
      refreshing = false;
    }
  }

  const loadBtn = h('button', { class: 'primary', type: 'button', 'data-testid': 'kv-load-sample' }, 'Load sample');
  loadBtn.addEventListener('click', () => void app.busy(loadBtn, async () => {
    firstTtl.clear();
    await loadKvSample(app.store.kv);
    print('Sample loaded: 10 sessions with TTLs (25–250 s), a 20-player leaderboard, strings, a list and a set.', 'note');
    app.toast('Key-value sample loaded');
    await refreshLive();
  }));

  replace(root,
    h('p', { class: 'intro' }, 'A Redis-compatible key space: strings, hashes, lists, sets, sorted sets, TTLs and MULTI/EXEC, answered as redis-cli would. Commands go through ', h('code', {}, 'store.kv.sendCommand(args)'), '.'),
    h('div', { class: 'grid' },
      h('div', { class: 'stack' },
        h('div', { class: 'console' }, out, h('div', { class: 'console-in' }, h('label', { for: 'kv-input' }, 'larder>'), input)),
        examples),
      h('div', { class: 'stack' },
        h('div', { class: 'card stack' },
          h('div', { class: 'row' }, h('h2', { class: 'grow' }, 'Sample data'), loadBtn),
          h('p', { class: 'hint' }, 'Sessions expire on their own: watch the countdown, then try TTL or EXISTS on one.')),
        h('div', { class: 'card' }, h('h3', {}, 'Sessions (TTL)'), sessions),
        h('div', { class: 'card' }, h('h3', {}, 'Leaderboard'), board))));
  print('Connected to the store’s key space. Type HELP for tips.', 'note');

  app.onReset(() => { firstTtl.clear(); void refreshLive(); });
  return {
    show() {
      void refreshLive();
      timer ??= setInterval(() => void refreshLive(), 1000);
      input.focus();
    },
    hide() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/** A bar's filled part; the width is set through the CSSOM, which no CSP restricts. */
function fill(pct: number): HTMLElement {
  const el = h('span');
  el.style.width = `${pct}%`;
  return el;
}

function loadHistory(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(-200) : [];
  } catch {
    return [];
  }
}

function saveHistory(history: string[]): void {
  try {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(history.slice(-200)));
  } catch {
    // Private mode or a full quota: history just stays in memory.
  }
}
