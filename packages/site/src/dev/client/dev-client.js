// The `lab dev` preview client, injected into every page the dev server
// sends. Plain JavaScript (the browser runs it as is). It:
//  - listens to the server's event stream (SSE, reconnects by itself);
//  - patches the page in place when its content changes (keeps scroll);
//    falls back to a reload when the page's shell (head assets) changed;
//  - shows an overlay with every content error (file:line:column + code
//    frame), over the last good render, and clears it when fixed.
(() => {
  if (window.__labDev) return;
  const loadedVersion = (document.currentScript && document.currentScript.dataset.labVersion) || '-1';
  const here = () => decodeURI(location.pathname).replace(/\/+$/, '') || '/';
  const state = { version: 0, errors: [], elsewhere: [], patches: 0, removed: false };
  window.__labDev = state;

  // ---- overlay (shadow DOM: site styles cannot reach it, it cannot leak) ----
  let host;
  function overlayRoot() {
    if (host) return host.shadowRoot;
    host = document.createElement('lab-dev-overlay');
    host.setAttribute('data-lab-dev-overlay', '');
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = `<style>
      :host { all: initial; }
      .backdrop { position: fixed; inset: 0; z-index: 2147483647; background: rgba(0,0,0,.55);
        display: flex; align-items: flex-start; justify-content: center; overflow: auto; padding: 5vh 2vw; }
      .panel { background: #181818; color: #e8e8e8; font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace;
        max-width: 960px; width: 100%; border-top: 6px solid #ff5555; border-radius: 6px; padding: 16px 20px;
        box-shadow: 0 10px 40px rgba(0,0,0,.5); }
      h2 { font: 600 15px system-ui, sans-serif; margin: 0 0 12px; color: #ff7777; }
      .diag { margin: 0 0 16px; }
      .loc { color: #8ec5ff; }
      .rule { color: #999; }
      .msg { color: #fff; white-space: pre-wrap; }
      pre { background: #0f0f0f; padding: 10px 12px; margin: 6px 0 0; overflow: auto; border-radius: 4px; }
      .note { color: #aaa; font: 12px system-ui, sans-serif; }
      button { float: right; background: none; color: #aaa; border: 1px solid #444; border-radius: 4px; cursor: pointer; }
    </style><div class="backdrop" part="backdrop"><div class="panel" role="alertdialog" aria-live="assertive"></div></div>`;
    root.querySelector('.backdrop').addEventListener('click', (e) => {
      if (e.target === e.currentTarget) hideOverlay();
    });
    return root;
  }
  function text(tag, cls, value) {
    const el = document.createElement(tag);
    if (cls) el.className = cls;
    el.textContent = value;
    return el;
  }
  function showOverlay(errors, removed) {
    const root = overlayRoot();
    const panel = root.querySelector('.panel');
    panel.replaceChildren();
    const close = text('button', '', 'close (Esc)');
    close.addEventListener('click', hideOverlay);
    panel.append(close);
    if (removed) {
      panel.append(text('h2', '', 'This page was deleted'));
      const a = document.createElement('a');
      a.href = '/';
      a.textContent = 'Back to the catalog';
      a.style.color = '#8ec5ff';
      panel.append(a);
    }
    if (errors.length) {
      panel.append(text('h2', '', `${errors.length} content error${errors.length > 1 ? 's' : ''}: showing the last good render`));
      for (const d of errors) {
        const box = document.createElement('div');
        box.className = 'diag';
        box.setAttribute('data-file', d.file);
        // The SDK's Diagnostic (file, span, ruleId, severity, message) plus its code frame.
        const { line, column } = d.span.start;
        box.setAttribute('data-line', String(line));
        box.setAttribute('data-column', String(column));
        box.append(text('span', 'loc', `${d.file}:${line}:${column}`), ' ');
        box.append(text('span', 'rule', d.ruleId), ' ');
        box.append(document.createElement('br'), text('span', 'msg', d.message));
        if (d.frame) box.append(text('pre', 'frame', d.frame));
        panel.append(box);
      }
      panel.append(text('p', 'note', 'Fix the file and save: this overlay closes by itself.'));
    }
    if (!host.isConnected) document.documentElement.append(host);
  }
  function hideOverlay() {
    if (host && host.isConnected) host.remove();
  }
  addEventListener('keydown', (e) => {
    if (e.key === 'Escape') hideOverlay();
  });
  // Errors in other files: a corner badge, not a curtain over this page.
  let badge;
  function syncBadge() {
    const n = state.elsewhere.length;
    if (!n) {
      if (badge && badge.isConnected) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement('lab-dev-badge');
      badge.setAttribute('data-lab-dev-badge', '');
      const root = badge.attachShadow({ mode: 'open' });
      root.innerHTML = `<style>button{position:fixed;right:12px;bottom:12px;z-index:2147483646;background:#b42318;color:#fff;
        border:0;border-radius:999px;padding:6px 12px;font:600 12px system-ui,sans-serif;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.3)}</style><button type="button"></button>`;
      root.querySelector('button').addEventListener('click', () => showOverlay(state.elsewhere, false));
    }
    badge.shadowRoot.querySelector('button').textContent = `${n} error${n > 1 ? 's' : ''} in other files`;
    if (!badge.isConnected) document.documentElement.append(badge);
  }
  function syncOverlay() {
    if (state.errors.length || state.removed) showOverlay(state.errors, state.removed);
    else hideOverlay();
    syncBadge();
  }

  // ---- in-place patching ----
  const shellKey = (doc) =>
    [...doc.head.querySelectorAll('link[rel="stylesheet"], script[src], style')]
      .map((el) => el.getAttribute('href') || el.getAttribute('src') || el.textContent.length)
      .join('|');

  function runScripts(scope) {
    // Scripts inserted from a parsed document do not run. Recreate them, and
    // give module scripts a fresh URL: a module runs once per URL, and the
    // islands (tabs, progress, copy buttons) must bind to the new markup.
    for (const old of scope.querySelectorAll('script')) {
      const fresh = document.createElement('script');
      for (const { name, value } of old.attributes) fresh.setAttribute(name, value);
      if (old.src && old.type === 'module') {
        const url = new URL(old.src, location.href);
        url.searchParams.set('lab-dev', String(state.version));
        fresh.src = url.href;
      }
      fresh.textContent = old.textContent;
      old.replaceWith(fresh);
    }
  }

  function patch(html) {
    const next = new DOMParser().parseFromString(html, 'text/html');
    for (const el of next.querySelectorAll('script[src^="/__lab/client.js"]')) el.remove();
    if (shellKey(next) !== shellKey(document)) {
      sessionStorage.setItem('lab-dev-scroll', JSON.stringify([location.pathname, scrollX, scrollY]));
      location.reload();
      return;
    }
    if (document.title !== next.title) document.title = next.title;
    // The whole body is swapped (header, navigation and sidebars list titles
    // too), in one task, then the scroll position is put back: the reader
    // stays where they were.
    const x = scrollX, y = scrollY;
    const body = document.adoptNode(next.body);
    document.body.replaceWith(body);
    runScripts(body);
    scrollTo(x, y);
    state.patches++;
    dispatchEvent(new CustomEvent('lab:patched', { detail: { version: state.version } }));
  }

  try {
    const saved = JSON.parse(sessionStorage.getItem('lab-dev-scroll') || 'null');
    if (saved && saved[0] === location.pathname) {
      sessionStorage.removeItem('lab-dev-scroll');
      addEventListener('load', () => scrollTo(saved[1], saved[2]));
    }
  } catch {}

  // ---- event stream ----
  const source = new EventSource(`/__lab/events?path=${encodeURIComponent(here())}&v=${loadedVersion}`);
  const onMessage = (e) => {
    // Timings for bench/dev-reload: when the message arrived, how long the patch took.
    state.receivedAt = performance.now();
    const data = JSON.parse(e.data);
    state.version = data.version;
    state.errors = data.errors || [];
    state.elsewhere = data.elsewhere || [];
    state.removed = Boolean(data.removed);
    if (typeof data.html === 'string') {
      patch(data.html);
      state.patchMs = performance.now() - state.receivedAt;
    }
    syncOverlay();
  };
  source.addEventListener('hello', onMessage);
  source.addEventListener('update', onMessage);
  source.addEventListener('reload', () => location.reload());
})();
