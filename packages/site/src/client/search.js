// Search island: Pagefind's JS API (index built at build time), a small
// result list. Loaded only on the search page.
const me = document.currentScript || document.querySelector('script[data-pagefind]');
const input = document.getElementById('lk-search-input');
const out = document.getElementById('lk-search-results');
// Big sites split the index into shards (pagefind/shards.json lists them):
// load the first, merge the others so one search covers every page.
const root = new URL(me.dataset.pagefind, location.href);
let shards = [''];
try {
  const res = await fetch(new URL('shards.json', root));
  if (res.ok) shards = (await res.json()).shards;
} catch {}
const pagefind = await import(new URL(shards[0] + 'pagefind.js', root).href);
await pagefind.options({ excerptLength: 24 });
await Promise.all(shards.slice(1).map((s) => pagefind.mergeIndex(new URL(s, root).href)));
const params = new URLSearchParams(location.search);
input.value = params.get('q') || '';
let seq = 0;
async function run() {
  const q = input.value.trim();
  const mine = ++seq;
  history.replaceState(null, '', q ? '?q=' + encodeURIComponent(q) : location.pathname);
  if (!q) { out.replaceChildren(); return; }
  const res = await pagefind.debouncedSearch(q, {}, 150);
  if (!res || mine !== seq) return;
  const data = await Promise.all(res.results.slice(0, 20).map((r) => r.data()));
  if (mine !== seq) return;
  const list = document.createElement('ol');
  list.className = 'lk-search-list';
  for (const d of data) {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = d.url;
    const t = document.createElement('strong');
    t.textContent = d.meta?.title || d.url;
    const p = document.createElement('p');
    // Pagefind's excerpt is HTML-escaped text with <mark> around hits.
    p.innerHTML = d.excerpt;
    a.append(t, p);
    li.append(a);
    list.append(li);
  }
  const head = document.createElement('p');
  head.className = 'lk-muted';
  head.textContent = res.results.length + (res.results.length === 1 ? ' result' : ' results');
  out.replaceChildren(head, list);
}
input.addEventListener('input', run);
input.closest('form').addEventListener('submit', (e) => { e.preventDefault(); run(); });
run();
