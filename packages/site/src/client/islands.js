// Labkit's one client island bundle: progress (localStorage), tasks, tabs,
// slide shows, copy buttons, catalog filters and the theme toggle. Plain
// DOM code, no framework: pages read fine without it, this only adds state.
const store = {
  get(k) { try { return localStorage.getItem('labkit:' + k); } catch { return null; } },
  set(k, v) { try { v == null ? localStorage.removeItem('labkit:' + k) : localStorage.setItem('labkit:' + k, v); } catch {} },
};
const done = (k) => store.get('done:' + k) === '1';
const setDone = (k, v) => store.set('done:' + k, v ? '1' : null);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
// The site's words, as configured (lab.config.ts site.strings), from the page.
let T = {};
try { T = JSON.parse(document.getElementById('lk-strings')?.textContent || '{}'); } catch {}
const tr = (k, d) => T[k] || d;

// Theme
document.documentElement.classList.add('lk-js');
for (const b of $$('[data-theme-toggle]')) b.addEventListener('click', () => {
  const cur = document.documentElement.dataset.theme || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
  const next = cur === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  store.set('theme', next);
});

// Phone menu and course drawer are <details>: JS only adds Escape, closing
// on an outside click, and keeps the drawer open on wide screens.
for (const d of $$('[data-menu]')) {
  addEventListener('keydown', (e) => { if (e.key === 'Escape' && d.open) { d.open = false; d.querySelector('summary').focus(); } });
  addEventListener('click', (e) => { if (d.open && !d.contains(e.target)) d.open = false; });
}
const narrow = matchMedia('(max-width: 900px)');
const drawers = $$('[data-drawer]');
narrow.addEventListener('change', () => { for (const d of drawers) d.open = !narrow.matches; });
for (const d of drawers) d.addEventListener('keydown', (e) => { if (e.key === 'Escape' && narrow.matches && d.open) { d.open = false; d.querySelector('summary').focus(); } });

// Tasks. Every task has a check: it turns green only when the playground
// reports the check passed (playground.js writes the same progress key), so
// there is no "mark as done" here. An answer is kept for the playground.
function paintTask(el, key) {
  const ok = done(key);
  el.dataset.state = ok ? 'completed' : 'active';
  const s = el.querySelector('.lk-task-state');
  if (s && ok) s.textContent = tr('completed', 'Completed');
}
for (const article of $$('[data-progress-item]')) {
  const item = article.dataset.progressItem;
  for (const el of $$('[data-task]', article)) {
    const key = item + '/' + el.dataset.task;
    paintTask(el, key);
    const form = el.querySelector('form');
    if (!form) continue;
    const input = form.querySelector('input');
    const saved = store.get('answer:' + key);
    if (saved && !input.value) input.value = saved;
    // A custom validity message blocks the next submit: clear it on edit.
    input.addEventListener('input', () => input.setCustomValidity(''));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const pattern = input.dataset.pattern;
      let ok = input.value.trim() !== '';
      try { if (ok && pattern) ok = new RegExp(pattern).test(input.value.trim()); } catch {}
      input.setCustomValidity(ok ? '' : 'This does not look like a valid answer.');
      input.reportValidity();
      if (!ok) return;
      store.set('answer:' + key, input.value.trim());
      const s = el.querySelector('.lk-task-state');
      if (s) s.textContent = tr('answerSaved', 'Answer saved: it is checked when the playground runs');
    });
  }
}
// Quizzes: checked here, kept as progress (`<item>/quiz:<name>`). Without JS
// the page shows the question and a "Show the answer" spoiler.
for (const article of $$('[data-progress-item]')) {
  for (const form of $$('form[data-quiz]', article)) {
    const key = article.dataset.progressItem + '/quiz:' + form.dataset.quiz;
    const answer = form.querySelector('[data-answers]');
    const right = (answer?.dataset.answers || '').split(' ').filter(Boolean).sort().join(' ');
    const inputs = $$('input', form);
    const result = form.querySelector('.lk-quiz-result');
    const mark = (ok) => {
      form.dataset.state = ok ? 'right' : 'wrong';
      for (const i of inputs) {
        const li = i.closest('li');
        li.classList.toggle('lk-right', right.split(' ').includes(i.value) && (ok || i.checked));
        li.classList.toggle('lk-wrong', i.checked && !right.split(' ').includes(i.value));
      }
      result.textContent = ok ? tr('quizRight', 'Right!') : tr('quizWrong', 'Not quite. Try again, or show the answer.');
      if (ok && answer) answer.open = true;
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const chosen = inputs.filter((i) => i.checked).map((i) => i.value);
      if (!chosen.length) { result.textContent = tr('quizChoose', 'Choose an answer first.'); return; }
      const ok = chosen.sort().join(' ') === right;
      mark(ok);
      if (ok) { setDone(key, true); refresh(); }
    });
    form.addEventListener('change', () => { if (form.dataset.state === 'wrong') { form.dataset.state = 'open'; result.textContent = ''; } });
    if (done(key)) {
      for (const i of inputs) i.checked = right.split(' ').includes(i.value);
      mark(true);
    }
  }
}

for (const b of $$('[data-mark-done]')) {
  const key = b.dataset.markDone;
  const paint = () => { b.textContent = done(key) ? tr('completed', 'Completed') + ' ✓' : b.dataset.label; b.classList.toggle('lk-btn-done', done(key)); };
  b.dataset.label = b.textContent;
  paint();
  b.addEventListener('click', () => { setDone(key, !done(key)); paint(); refresh(); });
}

// Progress summaries (pages, cards, course sidebars, path units)
function progressOf(el) {
  const tasks = (el.dataset.progressTasks || '').split(' ').filter(Boolean);
  const lessons = (el.dataset.progressLessons || '').split(' ').filter(Boolean);
  const keys = tasks.concat(lessons);
  const id = el.dataset.item;
  if (!keys.length) return id ? { n: done(id) ? 1 : 0, of: 1 } : null;
  let n = keys.filter(done).length;
  if (id && done(id)) n = keys.length;
  return { n, of: keys.length };
}
function paintBar(el, p, unit) {
  const bar = el.querySelector('.lk-progress-bar > span');
  if (bar) bar.style.width = (p.of ? Math.round((100 * p.n) / p.of) : 0) + '%';
  const label = el.querySelector('.lk-progress-label');
  if (label) label.textContent = p.n === p.of && p.n > 0 ? tr('completed', 'Completed') : p.n + ' / ' + p.of + ' ' + tr(unit, unit);
}
function refresh() {
  for (const card of $$('[data-item]')) {
    const p = progressOf(card);
    const slot = card.querySelector('[data-progress]');
    if (!p || !slot) continue;
    slot.hidden = p.n === 0;
    card.classList.toggle('lk-completed', p.n === p.of && p.n > 0);
    paintBar(slot, p, card.dataset.progressLessons ? 'lessons' : 'tasks');
  }
  for (const s of $$('.lk-task-summary[data-progress-tasks]')) paintBar(s, progressOf(s), 'tasks');
  for (const c of $$('[data-progress-course]')) {
    const s = c.querySelector('[data-course-progress]');
    if (s) paintBar(s, progressOf(c), 'lessons');
  }
  for (const a of $$('a[data-lesson]')) a.classList.toggle('lk-done', done(a.dataset.lesson));
  for (const u of $$('.lk-unit')) {
    const keys = (u.dataset.progressLessons || '').split(' ').filter(Boolean);
    u.classList.toggle('lk-done', keys.length > 0 && keys.some(done));
  }
}
refresh();

// Tabs (grouped tabs stay in sync across the page)
function selectTab(group, name) {
  for (const tabs of $$('[data-tabs]')) {
    if (tabs.dataset.group !== group) continue;
    const has = $$(':scope > .lk-tablist > [data-tab]', tabs).some((b) => b.dataset.tab === name);
    if (!has) continue;
    for (const b of $$(':scope > .lk-tablist > [data-tab]', tabs)) { const on = b.dataset.tab === name; b.setAttribute('aria-selected', String(on)); b.tabIndex = on ? 0 : -1; }
    for (const p of $$(':scope > [role=tabpanel]', tabs)) p.dataset.state = p.dataset.tab === name ? 'active' : 'inactive';
  }
}
for (const tabs of $$('[data-tabs]')) {
  const buttons = $$(':scope > .lk-tablist > [data-tab]', tabs);
  buttons.forEach((b, i) => {
    b.addEventListener('click', () => { selectTab(tabs.dataset.group, b.dataset.tab); store.set('tab:' + tabs.dataset.group, b.dataset.tab); });
    b.addEventListener('keydown', (e) => {
      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (!d) return;
      const t = buttons[(i + d + buttons.length) % buttons.length];
      t.click(); t.focus();
    });
  });
  const saved = store.get('tab:' + tabs.dataset.group);
  if (saved) selectTab(tabs.dataset.group, saved);
}

// Slide shows: a scroll-snap track (works without JS) plus buttons.
for (const show of $$('[data-slides]')) {
  const track = show.querySelector('.lk-slides-track');
  const slides = $$('.lk-slide', show);
  if (slides.length < 2) continue;
  const nav = document.createElement('div');
  nav.className = 'lk-slides-nav';
  const mk = (label, d) => { const b = document.createElement('button'); b.type = 'button'; b.className = 'lk-btn lk-btn-ghost'; b.textContent = label; b.setAttribute('aria-label', d < 0 ? 'Previous slide' : 'Next slide'); b.onclick = () => track.scrollBy({ left: d * track.clientWidth, behavior: 'smooth' }); return b; };
  nav.append(mk('←', -1), mk('→', 1));
  show.append(nav);
}

// Copy buttons
for (const b of $$('[data-copy]')) b.addEventListener('click', async () => {
  const code = b.closest('.lk-code')?.querySelector('pre')?.innerText ?? '';
  try { await navigator.clipboard.writeText(code); b.textContent = tr('copied', 'Copied'); } catch { b.textContent = 'Ctrl+C'; }
  setTimeout(() => { b.textContent = tr('copy', 'Copy'); }, 1500);
});

// Catalog filters (query string in, query string out: shareable links)
const filters = document.querySelector('[data-catalog-filters]');
if (filters) {
  const params = new URLSearchParams(location.search);
  const selects = $$('select[data-filter]', filters);
  for (const s of selects) if (params.get(s.name)) s.value = params.get(s.name);
  const apply = () => {
    const want = Object.fromEntries(selects.map((s) => [s.name, s.value]));
    let shown = 0;
    for (const card of $$('.lk-item-card')) {
      const ok = (!want.kind || card.dataset.kind === want.kind)
        && (!want.category || card.dataset.categories.split(' ').includes(want.category))
        && (!want.difficulty || card.dataset.difficulty === want.difficulty)
        && (!want.tag || card.dataset.tags.split(' ').includes(want.tag));
      card.hidden = !ok;
      if (ok) shown++;
    }
    document.querySelector('.lk-filter-empty').hidden = shown > 0;
    const q = new URLSearchParams(Object.entries(want).filter(([, v]) => v));
    history.replaceState(null, '', q.size ? '?' + q : location.pathname);
  };
  for (const s of selects) s.addEventListener('change', apply);
  apply();
}
