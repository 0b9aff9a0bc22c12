// Labkit playground island: "Start playground", live task status, hints,
// failcheck restart, user-input answers and an xterm.js terminal per machine.
// Loaded only on item pages when a runtime URL is configured; xterm.js is
// imported on demand (after "Start"), so a page that is only read pays ~6 KB.
const me = document.querySelector('script[data-lk-runtime]');
const runtime = new URL(me?.dataset.lkRuntime || '/__lab/runtime/', location.href);
if (!runtime.pathname.endsWith('/')) runtime.pathname += '/';
const wsBase = new URL(runtime.href);
wsBase.protocol = runtime.protocol === 'https:' ? 'wss:' : 'ws:';
const article = document.querySelector('[data-progress-item]');
const itemId = article?.dataset.progressItem;
const STATE_TEXT = { completed: 'Completed', failed: 'Failed', running: 'Checking…', waiting: 'Waiting', blocked: 'Blocked' };

// lab dev writes a per-run secret into its pages; it must come back with
// every request that starts or changes something, and on every WebSocket.
// (A published site talking to lab serve has none, and sends no extra header:
// that would need a CORS preflight.)
const devSecret = () => document.querySelector('script[data-lab-secret]')?.dataset.labSecret;

function wsUrl(path) {
  const u = new URL(path, wsBase);
  const secret = devSecret();
  if (secret) u.searchParams.set('lk_secret', secret);
  return u;
}

async function api(path, init) {
  const headers = {};
  if (init?.body) headers['content-type'] = 'application/json';
  const secret = devSecret();
  if (secret && init?.method && init.method !== 'GET') headers['x-lab-secret'] = secret;
  const res = await fetch(new URL(path, runtime), { ...init, headers });
  const body = await res.json().catch(() => ({}));
  return { status: res.status, body };
}

const el = (tag, attrs = {}, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
};

if (itemId) init().catch((e) => console.warn('labkit playground:', e));

/**
 * Mounts the playground for this page's item, if the runtime serves one, and
 * wires each concern below to one shared context `pg`: the panel's elements
 * and the session's state (token, sockets, terminals, web tabs).
 */
async function init() {
  const info = await api('items/' + encodeURIComponent(itemId)).catch(() => ({ status: 0 }));
  if (info.status !== 200) return; // no playground (or no server): the page stays static
  const pg = createPanel(info.body);
  setupLayout(pg);
  setupWake(pg);
  setupChips(pg);
  setupRunButtons(pg);
  setupControls(pg);
  setupAnswerForms(pg);
  await reattach(pg);
}

// ---- the panel -------------------------------------------------------------

/** Builds the panel after the item's header and returns the context every other function takes. */
function createPanel(item) {
  if (!document.querySelector('link[data-lk-playground-css]')) document.head.append(el('link', { rel: 'stylesheet', href: new URL('./playground.css', import.meta.url).href, 'data-lk-playground-css': '' }));
  const panel = el('section', { class: 'lk-playground', 'data-lk-playground': '', 'aria-label': 'Playground', 'data-state': 'idle' });
  panel.innerHTML = `<div class="lk-pg-bar"><strong class="lk-pg-title">Playground</strong><span class="lk-pg-status" role="status" aria-live="polite">${item.machines.length > 1 ? item.machines.length + ' machines' : 'One machine'}, ready to start</span><span class="lk-pg-actions"><button type="button" class="lk-btn lk-btn-primary" data-pg-start>Start playground</button><button type="button" class="lk-btn" data-pg-restart hidden>Restart</button><button type="button" class="lk-btn lk-btn-ghost" data-pg-stop hidden>Stop</button><button type="button" class="lk-btn lk-btn-ghost" data-pg-full hidden aria-pressed="false">Full screen</button></span></div><ol class="lk-pg-tasklist" aria-label="Tasks" hidden></ol><ol class="lk-pg-init" hidden></ol><div class="lk-pg-tabs" role="tablist" hidden></div><div class="lk-pg-terms"></div>`;
  const header = article.querySelector('.lk-item-header');
  (header ? header : article.firstElementChild)?.after(panel);
  const $ = (s) => panel.querySelector(s);
  // Init condition values (the definition's initConditions): chosen before
  // Start, defaults prefilled; the server checks them against the declared options.
  const conditions = Array.isArray(item.conditions) ? item.conditions : [];
  const condForm = conditions.length ? conditionForm(conditions) : null;
  if (condForm) $('.lk-pg-bar').after(condForm);
  return {
    item,
    key: 'labkit:session:' + itemId,
    panel,
    status: $('.lk-pg-status'),
    startBtn: $('[data-pg-start]'),
    restartBtn: $('[data-pg-restart]'),
    stopBtn: $('[data-pg-stop]'),
    fullBtn: $('[data-pg-full]'),
    initList: $('.lk-pg-init'),
    taskList: $('.lk-pg-tasklist'),
    tabs: $('.lk-pg-tabs'),
    termsBox: $('.lk-pg-terms'),
    splitter: null,
    conditions,
    condForm,
    webTabs: Array.isArray(item.webTabs) ? item.webTabs : [],
    portChips: [],
    tabChips: [],
    runButtons: [],
    // The session's state.
    token: null,
    webId: null,
    events: null,
    terms: new Map(),
    webPanels: new Map(),
    attempt: 0,
    closed: false,
  };
}

function setStatus(pg, text, state) {
  pg.status.textContent = text;
  if (state) pg.panel.dataset.state = state;
}

const taskEl = (name) => article.querySelector(`[data-task="${CSS.escape(name)}"]`);

// ---- task status, hints and progress ---------------------------------------

function paintTask(pg, t) {
  if (t.kind === 'init') {
    // Init tasks are the author's setup, not something the learner does: one
    // line of progress (a dot per step), never their internal names.
    const initList = pg.initList;
    let li = initList.querySelector(`[data-init="${CSS.escape(t.name)}"]`);
    if (!li) { li = el('li', { 'data-init': t.name }); initList.append(li); initList.hidden = false; }
    li.dataset.status = t.status;
    li.title = STATE_TEXT[t.status] || t.status;
    const steps = [...initList.children];
    const ok = steps.filter((x) => x.dataset.status === 'completed').length;
    initList.setAttribute('aria-label', `Preparing the playground: ${ok} of ${steps.length} setup steps done`);
    initList.dataset.label = ok === steps.length ? 'Playground ready' : `Preparing the playground… ${ok} / ${steps.length}`;
    // The site counts init tasks in the page's progress too.
    if (t.status === 'completed') { try { localStorage.setItem('labkit:done:' + itemId + '/' + t.name, '1'); } catch {} paintSummary(); }
    return;
  }
  const e = taskEl(t.name);
  if (!e) return;
  e.dataset.live = t.status;
  e.dataset.state = t.status === 'completed' ? 'completed' : t.status === 'failed' ? 'failed' : 'active';
  const s = e.querySelector('.lk-task-state');
  if (s) s.textContent = STATE_TEXT[t.status] || t.status;
  // A hint was about getting there: a completed task shows none, even one its hintcheck gave a moment before.
  if (t.status === 'completed') { try { localStorage.setItem('labkit:done:' + itemId + '/' + t.name, '1'); } catch {} paintSummary(); showHint(t.name, ''); }
  if (t.status === 'failed' && t.detail) showHint(t.name, t.detail.replace(/^failcheck: /, ''), 'failed');
  // A failcheck fails its task for good (the other tasks keep running): offer a fresh attempt.
  if (t.status === 'failed' && pg.restartBtn.hidden) { setStatus(pg, 'A task failed for good. Restart to try it again on fresh machines.', 'failed'); pg.restartBtn.hidden = false; }
  if (t.hint !== undefined) showHint(t.name, t.hint);
}

// The page's "n / m tasks" bar, from the same progress keys the site's islands read.
function paintSummary() {
  for (const el of document.querySelectorAll('.lk-task-summary[data-progress-tasks]')) {
    const keys = el.dataset.progressTasks.split(' ').filter(Boolean);
    const n = keys.filter((k) => { try { return localStorage.getItem('labkit:done:' + k) === '1'; } catch { return false; } }).length;
    const bar = el.querySelector('.lk-progress-bar > span');
    if (bar) bar.style.width = (keys.length ? Math.round((100 * n) / keys.length) : 0) + '%';
    const label = el.querySelector('.lk-progress-label');
    if (label) label.textContent = n === keys.length && n > 0 ? 'Completed' : n + ' / ' + keys.length + ' tasks';
  }
}

function showHint(task, text, kind = 'hint') {
  const e = taskEl(task);
  if (!e) return;
  let h = e.querySelector(`.lk-task-live-${kind}`);
  if (!text || (kind === 'hint' && e.dataset.live === 'completed')) { h?.remove(); return; }
  if (!h) { h = el('div', { class: `lk-task-live lk-task-live-${kind}`, role: 'status' }); (e.querySelector('.lk-task-head') || e.firstChild).after(h); }
  h.textContent = text;
}

// ---- the session: start, events, stop, restart, reattach -------------------

function onMessage(pg, m) {
  if (m.type === 'snapshot') {
    if (m.webId) pg.webId = m.webId;
    pg.attempt = m.attempt;
    for (const t of m.tasks) paintTask(pg, t);
    onSession(pg, m);
  } else if (m.type === 'session') onSession(pg, m);
  else if (m.type === 'task') paintTask(pg, { name: m.task, kind: m.kind, status: m.status, detail: m.detail });
  else if (m.type === 'hint') showHint(m.task, m.hint);
  else if (m.type === 'playground') {
    if (m.status === 'initializing') setStatus(pg, 'Initializing…', 'initializing');
    else if (m.status === 'running') { setStatus(pg, 'Running: solve the tasks in the terminal', 'running'); openTerminals(pg); }
    else if (m.status === 'completed') setStatus(pg, 'All tasks completed 🎉', 'completed');
    else if (m.status === 'failed') { setStatus(pg, 'Attempt failed' + (m.detail ? ': ' + m.detail : '') + '. Restart to try again.', 'failed'); pg.restartBtn.hidden = false; }
  } else if (m.type === 'machine' && m.state === 'failed') setStatus(pg, `Machine ${m.machine} stopped: ${m.detail || ''}`, 'failed');
}

function onSession(pg, m) {
  if (m.attempt && m.attempt !== pg.attempt) { pg.attempt = m.attempt; resetTasks(pg); }
  if (m.state === 'queued') setStatus(pg, `Waiting for a free slot (position ${m.position ?? '?'})…`, 'queued');
  else if (m.state === 'starting') setStatus(pg, 'Booting the playground…', 'starting');
  else if (m.state === 'running' && (m.playground === 'running' || m.playground === 'completed')) openTerminals(pg);
  else if (m.state === 'failed') { setStatus(pg, 'Playground failed: ' + (m.detail || 'unknown error'), 'failed'); pg.restartBtn.hidden = false; }
  else if (m.state === 'stopped') end(pg, m.detail ? 'Stopped: ' + m.detail : 'Stopped');
  if (m.type === 'snapshot' && m.playground === 'completed') setStatus(pg, 'All tasks completed 🎉', 'completed');
}

function resetTasks(pg) {
  pg.initList.replaceChildren();
  for (const e of article.querySelectorAll('[data-task]')) {
    delete e.dataset.live;
    e.dataset.state = 'active';
    for (const h of e.querySelectorAll('.lk-task-live')) h.remove();
  }
  closeTerminals(pg);
}

function connectEvents(pg) {
  const ws = new WebSocket(wsUrl(`sessions/${pg.token}/events`));
  pg.events = ws;
  ws.onmessage = (e) => onMessage(pg, JSON.parse(e.data));
  ws.onclose = () => {
    if (pg.events !== ws || pg.closed || !pg.token) return;
    setTimeout(async () => {
      if (pg.events !== ws || pg.closed) return;
      const r = await api(`sessions/${pg.token}`).catch(() => ({ status: 0 }));
      if (r.status === 404) end(pg, 'The playground is gone (stopped or expired).');
      else connectEvents(pg);
    }, 1000);
  };
}

async function start(pg) {
  pg.closed = false;
  pg.startBtn.disabled = true;
  setStatus(pg, 'Requesting a playground…', 'starting');
  const { conditions, condForm, token } = pg;
  const chosen = condForm ? Object.fromEntries(conditions.map((c, i) => [c.key, condForm.elements['lk-cond-' + i].value])) : undefined;
  const r = await api('sessions', { method: 'POST', body: JSON.stringify({ item: itemId, ...(token ? { replace: token } : {}), ...(chosen ? { conditions: chosen } : {}) }) }).catch((e) => ({ status: 0, body: { message: String(e) } }));
  if (r.status === 503) { setStatus(pg, r.body.message || 'The playground server is busy. Try again in a minute.', 'busy'); pg.startBtn.disabled = false; return; }
  if (r.status !== 201 && r.status !== 202) { setStatus(pg, 'Cannot start: ' + (r.body.error || r.body.message || 'server unreachable'), 'failed'); pg.startBtn.disabled = false; return; }
  pg.token = r.body.token;
  pg.webId = r.body.webId || null;
  try { sessionStorage.setItem(pg.key, pg.token); } catch {}
  begin(pg);
}

function begin(pg) {
  if (pg.condForm) pg.condForm.disabled = true;
  dock(pg, true);
  pg.startBtn.hidden = true;
  pg.stopBtn.hidden = false;
  pg.restartBtn.hidden = true;
  pg.panel.dataset.session = 'on';
  article.classList.add('lk-live-tasks');
  connectEvents(pg);
}

function end(pg, text) {
  if (pg.condForm) pg.condForm.disabled = false;
  pg.closed = true;
  pg.token = null;
  try { sessionStorage.removeItem(pg.key); } catch {}
  pg.events?.close();
  pg.events = null;
  closeTerminals(pg);
  setStatus(pg, text, 'stopped');
  pg.startBtn.hidden = false;
  pg.startBtn.disabled = false;
  pg.stopBtn.hidden = true;
  pg.restartBtn.hidden = true;
  delete pg.panel.dataset.session;
  article.classList.remove('lk-live-tasks');
  dock(pg, false);
}

/** Back from sleep or a lost network: reconnect at once instead of waiting out the back-off. */
function setupWake(pg) {
  const wake = () => {
    if (!pg.token || pg.closed) return;
    if (!pg.events || pg.events.readyState > 1) connectEvents(pg);
    for (const [name, t] of pg.terms) if (t.term && (!t.ws || t.ws.readyState > 1)) { t.retry = 0; connectTerminal(pg, name, t); }
  };
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') wake(); });
  addEventListener('online', wake);
  addEventListener('pageshow', (e) => { if (e.persisted) wake(); });
}

/** Start, Stop, Restart, and letting go of the sockets when lab dev patches the page. */
function setupControls(pg) {
  // lab dev swaps the page body on an edit and runs this island again (a new
  // instance reattaches to the session): this one lets go of its sockets.
  addEventListener('lab:patched', () => {
    pg.closed = true;
    pg.events?.close();
    pg.events = null;
    closeTerminals(pg);
  }, { once: true });

  pg.startBtn.addEventListener('click', () => start(pg));
  pg.stopBtn.addEventListener('click', async () => {
    const t = pg.token;
    end(pg, 'Stopped');
    if (t) await api(`sessions/${t}/stop`, { method: 'POST' }).catch(() => {});
  });
  pg.restartBtn.addEventListener('click', async () => {
    pg.restartBtn.hidden = true;
    setStatus(pg, 'Restarting on fresh machines…', 'starting');
    const r = await api(`sessions/${pg.token}/restart`, { method: 'POST' }).catch(() => ({ status: 0 }));
    if (r.status !== 202) setStatus(pg, 'Cannot restart: start a new playground.', 'failed');
  });
}

/** Back on the page (reload, navigation): reattach to the learner's session. */
async function reattach(pg) {
  const saved = (() => { try { return sessionStorage.getItem(pg.key); } catch { return null; } })();
  if (!saved) return;
  const r = await api(`sessions/${saved}`).catch(() => ({ status: 0 }));
  if (r.status === 200 && r.body.state !== 'stopped') { pg.token = saved; begin(pg); }
  else try { sessionStorage.removeItem(pg.key); } catch {}
}

// ---- layout: docking, the splitter, full screen, the task list ------------

// Working layout: once a session runs, the playground docks beside the text
// (below it on narrow screens), resizable by mouse or keyboard, its size
// remembered; the task list stays in its header; full screen on demand.
function setupLayout(pg) {
  const { panel, fullBtn } = pg;
  const splitter = el('div', { class: 'lk-pg-splitter', role: 'separator', 'aria-orientation': 'vertical', 'aria-label': 'Resize the playground', tabindex: '0', hidden: '' });
  pg.splitter = splitter;
  panel.prepend(splitter);
  const WIDTH_KEY = 'labkit:pg-width';
  const clampWidth = (w) => Math.round(Math.min(Math.max(w, 320), innerWidth - 320));
  const setWidth = (w, save) => {
    const v = clampWidth(w);
    document.documentElement.style.setProperty('--lk-pg-width', v + 'px');
    splitter.setAttribute('aria-valuenow', String(v));
    if (save) try { localStorage.setItem(WIDTH_KEY, String(v)); } catch {}
  };
  try { const saved = Number(localStorage.getItem(WIDTH_KEY)); if (saved) setWidth(saved, false); } catch {}
  splitter.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    splitter.setPointerCapture(e.pointerId);
    const move = (ev) => setWidth(innerWidth - ev.clientX, false);
    const up = (ev) => { splitter.removeEventListener('pointermove', move); setWidth(innerWidth - ev.clientX, true); };
    splitter.addEventListener('pointermove', move);
    splitter.addEventListener('pointerup', up, { once: true });
  });
  splitter.addEventListener('keydown', (e) => {
    const d = e.key === 'ArrowLeft' ? 40 : e.key === 'ArrowRight' ? -40 : 0;
    if (!d) return;
    e.preventDefault();
    setWidth(panel.getBoundingClientRect().width + d, true);
  });
  fullBtn.addEventListener('click', async () => {
    const on = panel.dataset.full !== 'true';
    panel.dataset.full = String(on);
    fullBtn.setAttribute('aria-pressed', String(on));
    // The Fullscreen API where allowed; the CSS fallback fills the window either way.
    try { if (on && panel.requestFullscreen) await panel.requestFullscreen(); else if (!on && document.fullscreenElement) await document.exitFullscreen(); } catch {}
  });
  document.addEventListener('fullscreenchange', () => {
    if (!document.fullscreenElement && panel.dataset.full === 'true') { panel.dataset.full = 'false'; fullBtn.setAttribute('aria-pressed', 'false'); }
  });
  new MutationObserver(() => paintTaskList(pg)).observe(article, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
}

function paintTaskList(pg) {
  const items = [...article.querySelectorAll('[data-task], form[data-quiz]')];
  pg.taskList.hidden = !items.length || pg.panel.dataset.docked !== 'true';
  pg.taskList.replaceChildren(...items.map((t, i) => {
    const title = t.querySelector('.lk-task-title, .lk-quiz-question')?.textContent?.trim() || `Task ${i + 1}`;
    const state = t.dataset.state === 'completed' || t.dataset.state === 'right' ? 'completed' : t.dataset.state === 'failed' ? 'failed' : 'active';
    const b = el('button', { type: 'button', 'data-state': state, title }, title.length > 40 ? title.slice(0, 38) + '…' : title);
    b.addEventListener('click', () => { t.scrollIntoView({ behavior: 'smooth', block: 'center' }); });
    return el('li', {}, null).appendChild(b).parentNode;
  }));
}

function dock(pg, on) {
  pg.panel.dataset.docked = String(on);
  document.documentElement.classList.toggle('lk-pg-open', on);
  pg.splitter.hidden = !on;
  pg.fullBtn.hidden = !on;
  if (!on && pg.panel.dataset.full === 'true') pg.fullBtn.click();
  paintTaskList(pg);
}

// ---- terminals ---------------------------------------------------------------

async function openTerminals(pg) {
  const { tabs, termsBox } = pg;
  if (pg.terms.size || !pg.token) return;
  const machines = pg.item.machines.filter((m) => m.terminal);
  if (!machines.length) return;
  const marker = {};
  pg.terms.set('', marker);
  const [{ Terminal }, { FitAddon }] = await Promise.all([import(new URL('./xterm.mjs', import.meta.url).href), import(new URL('./addon-fit.mjs', import.meta.url).href)]);
  if (!document.querySelector('link[data-lk-xterm]')) document.head.append(el('link', { rel: 'stylesheet', href: new URL('./xterm.css', import.meta.url).href, 'data-lk-xterm': '' }));
  // closeTerminals() during the import replaced pg.terms: this opening is stale.
  if (pg.terms.get('') !== marker) return;
  const terms = pg.terms;
  terms.delete('');
  tabs.hidden = machines.length < 2;
  machines.forEach((m, i) => {
    const tab = el('button', { type: 'button', role: 'tab', class: 'lk-pg-tab', 'aria-selected': i === 0 ? 'true' : 'false', 'data-machine': m.name }, m.name);
    const box = el('div', { class: 'lk-pg-term', role: 'tabpanel', 'data-machine': m.name });
    box.hidden = i !== 0;
    tabs.append(tab);
    termsBox.append(box);
    const term = new Terminal({ cursorBlink: true, fontSize: 14, convertEol: false, scrollback: 5000, fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(box);
    const t = { term, fit, box, tab, ws: null, closed: false, retry: 0 };
    terms.set(m.name, t);
    tab.addEventListener('click', () => {
      showPanel(pg, tab, box);
      fit.fit();
      term.focus();
    });
    term.onData((d) => { if (t.ws?.readyState === 1) t.ws.send('0' + d); });
    term.onResize(({ cols, rows }) => { if (t.ws?.readyState === 1) t.ws.send('1' + JSON.stringify({ cols, rows })); });
    new ResizeObserver(() => { if (!box.hidden) try { fit.fit(); } catch {} }).observe(box);
    try { fit.fit(); } catch {}
    connectTerminal(pg, m.name, t);
    if (i === 0) term.focus();
  });
  for (const w of pg.webTabs.filter((x) => x.declared)) webPanel(pg, w);
  tabs.hidden = tabs.children.length < 2;
  showRun(pg, true);
  showPorts(pg, true);
}

function showPanel(pg, tab, box) {
  for (const b of pg.tabs.children) b.setAttribute('aria-selected', String(b === tab));
  for (const p of pg.termsBox.children) p.hidden = p !== box;
}

function connectTerminal(pg, name, t) {
  const u = wsUrl(`sessions/${pg.token}/terminal/${encodeURIComponent(name)}`);
  u.searchParams.set('cols', String(t.term.cols));
  u.searchParams.set('rows', String(t.term.rows));
  const ws = new WebSocket(u);
  ws.binaryType = 'arraybuffer';
  t.ws = ws;
  let fresh = true;
  ws.onopen = () => { t.retry = 0; t.box.dataset.connected = 'true'; };
  ws.onmessage = (e) => {
    // The server replays the recent output on every (re)connect: start clean.
    if (fresh) { t.term.reset(); fresh = false; }
    t.term.write(new Uint8Array(e.data));
  };
  ws.onclose = () => {
    delete t.box.dataset.connected;
    if (t.closed || pg.closed || !pg.token) return;
    const wait = Math.min(5000, 250 * 2 ** t.retry++);
    setTimeout(() => { if (!t.closed && !pg.closed && pg.token) connectTerminal(pg, name, t); }, wait);
  };
}

function closeTerminals(pg) {
  for (const t of pg.terms.values()) {
    if (!t.term) continue;
    t.closed = true;
    t.ws?.close();
    t.term.dispose();
  }
  pg.terms = new Map();
  pg.webPanels = new Map();
  showRun(pg, false);
  showPorts(pg, false);
  pg.tabs.replaceChildren();
  pg.termsBox.replaceChildren();
  pg.tabs.hidden = true;
}

// ---- web tabs and the :http-port / :tab links --------------------------------

// Web tabs: a service in a machine (the content's `tabs:` and `:http-port`
// links), shown in an iframe through the server's authenticated proxy. The
// session token goes in a form POST (never a URL); the server answers with
// a cookie scoped to this session's tab path and redirects to the tab.
function openWeb(pg, w, target) {
  if (!pg.token || !pg.webId) return;
  const form = el('form', { method: 'POST', action: new URL(`web/${pg.webId}/__auth`, runtime).href, target, hidden: '' });
  for (const [k, v] of Object.entries({ token: pg.token, machine: w.machine, port: String(w.port) })) form.append(el('input', { type: 'hidden', name: k, value: v }));
  document.body.append(form);
  form.submit();
  form.remove();
}

function webPanel(pg, w) {
  const { tabs, termsBox, webPanels } = pg;
  const id = w.machine + ':' + w.port;
  let p = webPanels.get(id);
  if (p) return p;
  const name = 'lk-web-' + webPanels.size + '-' + Math.random().toString(36).slice(2, 8);
  const tab = el('button', { type: 'button', role: 'tab', class: 'lk-pg-tab lk-pg-tab-web', 'aria-selected': 'false', 'data-web': id }, w.title);
  const box = el('div', { class: 'lk-pg-web', role: 'tabpanel', 'data-web': id, 'aria-label': w.title });
  box.hidden = true;
  const bar = el('div', { class: 'lk-pg-webbar' });
  const where = el('span', { class: 'lk-pg-weburl' }, `${w.machine}:${w.port}${w.kind === 'ide' ? ' · files (read-only)' : ''}`);
  const reload = el('button', { type: 'button', class: 'lk-btn lk-btn-ghost' }, 'Reload');
  const out = el('button', { type: 'button', class: 'lk-btn lk-btn-ghost' }, 'Open in a new window');
  bar.append(where, reload, out);
  const frame = el('iframe', { name, title: w.title, class: 'lk-pg-webframe', referrerpolicy: 'no-referrer' });
  box.append(bar, frame);
  tabs.append(tab);
  termsBox.append(box);
  tabs.hidden = tabs.children.length < 2;
  p = { tab, box, frame, name, loaded: false };
  webPanels.set(id, p);
  const load = () => { p.loaded = true; openWeb(pg, w, name); };
  tab.addEventListener('click', () => { showPanel(pg, tab, box); if (!p.loaded) load(); });
  reload.addEventListener('click', load);
  out.addEventListener('click', () => openWeb(pg, w, '_blank'));
  return p;
}

/** A link chip that acts (a button) while a playground runs, and is text otherwise. */
function live(c, on) {
  c.classList.toggle('lk-chip-live', on);
  if (on) { c.setAttribute('role', 'button'); c.tabIndex = 0; } else { c.removeAttribute('role'); c.removeAttribute('tabindex'); }
}

const tabNamed = (pg, text) => [...pg.tabs.children].find((b) => b.dataset.machine === text || b.textContent === text);

function showPorts(pg, on) {
  for (const { c } of pg.portChips) live(c, on);
  for (const c of pg.tabChips) live(c, on && !!tabNamed(pg, c.textContent.trim()));
}

/** Click or Enter/Space on a chip runs `go`. */
function onActivate(c, go) {
  c.addEventListener('click', go);
  c.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); go(); } });
}

function setupChips(pg) {
  // `:http-port` links in the text open (or add) their tab while a playground runs.
  pg.portChips = [...article.querySelectorAll('.lk-chip-port')].map((c) => {
    const port = Number(/(\d+)\s*$/.exec(c.getAttribute('title') || '')?.[1]);
    return { c, w: pg.webTabs.find((x) => x.kind === 'http-port' && x.port === port) };
  }).filter((x) => x.w);
  // `:tab{text=... machine=...}` links switch to the tab they name (a machine's
  // terminal or a web tab by its title); one that names no tab stays text.
  pg.tabChips = [...article.querySelectorAll('.lk-chip-tab')];
  for (const c of pg.tabChips) onActivate(c, () => { if (c.classList.contains('lk-chip-live')) tabNamed(pg, c.textContent.trim())?.click(); });
  for (const { c, w } of pg.portChips) onActivate(c, () => { if (!c.classList.contains('lk-chip-live')) return; webPanel(pg, w).tab.click(); });
}

// ---- click-to-run code blocks -------------------------------------------------

function showRun(pg, on) { for (const b of pg.runButtons) b.hidden = !on; }

// Click-to-run: a ```sh exec block sends its code to a terminal (its
// machine's with exec=<machine>, else the one on show), line by line.
function setupRunButtons(pg) {
  pg.runButtons = [...article.querySelectorAll('[data-run]')];
  for (const b of pg.runButtons) b.addEventListener('click', () => {
    const all = [...pg.terms.values()].filter((x) => x.term);
    const t = (b.dataset.run && pg.terms.get(b.dataset.run)) || all.find((x) => !x.box.hidden) || all[0];
    if (!t?.ws || t.ws.readyState !== 1) return;
    if (t.box.hidden) t.tab.click();
    const code = (b.closest('.lk-code')?.querySelector('pre')?.innerText ?? '').replace(/\n+$/, '');
    t.ws.send('0' + code.replace(/\r?\n/g, '\r') + '\r');
    b.dataset.ran = 'true';
    t.term.focus();
  });
}

// ---- user-input-task answers --------------------------------------------------

// user-input-task answers go to the checks (x(.input)) while a playground runs.
function setupAnswerForms(pg) {
  for (const form of article.querySelectorAll('[data-task] form')) {
    form.addEventListener('submit', async (e) => {
      if (!pg.token) return; // no playground: the page's own (local) behaviour
      e.preventDefault();
      e.stopImmediatePropagation();
      const input = form.querySelector('input');
      const task = form.closest('[data-task]').dataset.task;
      const r = await api(`sessions/${pg.token}/input`, { method: 'POST', body: JSON.stringify({ task, value: input.value.trim() }) }).catch(() => ({ status: 0 }));
      showHint(task, r.status === 200 ? '' : 'The playground is not running: start it first.', 'failed');
      if (r.status === 200) form.dataset.submitted = 'true';
    }, { capture: true });
  }
}

/** The start form: one select (declared options; empty when nullable) or text field per init condition. */
function conditionForm(conditions) {
  const form = el('fieldset', { class: 'lk-pg-conditions' });
  form.append(el('legend', {}, 'Start with'));
  conditions.forEach((c, i) => {
    const id = 'lk-cond-' + i;
    const label = el('label', { for: id }, c.key);
    let input;
    if (Array.isArray(c.options) && c.options.length) {
      input = el('select', { id, name: id });
      const values = c.nullable && !c.options.includes('') ? ['', ...c.options] : c.options;
      for (const v of values) input.append(el('option', { value: v }, v === '' ? '(none)' : v));
    } else input = el('input', { id, name: id, type: 'text', maxlength: '256', autocomplete: 'off', spellcheck: 'false' });
    input.value = c.default ?? '';
    const field = el('span', { class: 'lk-pg-cond' });
    field.append(label, input);
    form.append(field);
  });
  return form;
}
