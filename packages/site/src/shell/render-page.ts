import { esc, join } from './html.ts';
import { playgroundScriptTag } from '../playground/script-tag.ts';
import { UI_STRINGS, ISLAND_STRINGS, type UiStrings } from './ui-strings.ts';
import type { CardModel, ClientAssetUrls, Heading, ItemHeader, NavModule, Page, SiteConfig } from './page-model.ts';

/**
 * The page templates, as plain TypeScript: the Astro route of `lab build`
 * and the `lab dev` preview server both call `renderPage`, so the preview
 * shows exactly the built pages without running Astro per change.
 */
// The UI strings of the page being rendered. renderPage is synchronous, so
// one module-level table is safe and spares every template a parameter.
let t: UiStrings = UI_STRINGS;

export function renderPage(page: Page, config: SiteConfig, assets: ClientAssetUrls): string {
  t = config.strings ?? UI_STRINGS;
  const base = config.base;
  const m = page.model;
  let main: string;
  let wide = false;
  switch (m.type) {
    case 'catalog':
      main = catalog(m.items, m.facets, config);
      wide = true;
      break;
    case 'item':
      main = itemPage(m.item, m.html, m.headings, m.tasks, m.extras);
      break;
    case 'path':
      main = pathPage(m.item, m.html, m.units);
      break;
    case 'course':
      main = coursePage(m.item, m.html, m.nav, m.lessons);
      break;
    case 'lesson':
      main = lessonPage(m);
      break;
    case 'taxonomy':
      main = `<header class="lk-hero lk-hero-small"><p class="lk-eyebrow">${esc(m.taxonomy === 'tag' ? t.tag : t.category)}</p><h1>${esc(m.taxonomy === 'tag' ? `#${m.value}` : m.value)}</h1><p>${m.items.length} ${esc(m.items.length === 1 ? t.item : t.items)}</p></header>${cardGrid(m.items)}`;
      wide = true;
      break;
    case 'search':
      main = `<header class="lk-hero lk-hero-small"><h1>${esc(t.search)}</h1></header><form class="lk-search-form" action="${esc(base)}search/" role="search"><input id="lk-search-input" name="q" type="search" placeholder="${esc(t.searchPlaceholder)}" aria-label="${esc(t.search)}" autocomplete="off"></form><div id="lk-search-results" class="lk-search-results" aria-live="polite"><p class="lk-muted lk-nojs">${esc(t.searchNeedsJs)}</p></div>`;
      break;
    case 'redirect':
      return redirectPage(m.to, config);
    case 'not-found':
      main = `<header class="lk-hero lk-hero-small"><h1>${esc(t.notFound)}</h1><p><a href="${esc(base)}">${esc(t.backToCatalog)}</a></p></header>`;
      break;
  }
  const islands = page.islands.length ? `<script type="module" src="${esc(assets.islands)}"></script>` : '';
  // Item pages with tasks get the playground island when a playground server is configured (it asks the server whether the item has a playground).
  const playground = config.runtimeUrl && assets.playground && (m.type === 'item' || m.type === 'lesson') && m.tasks.length ? playgroundScriptTag(assets.playground, config.runtimeUrl) : '';
  const search = m.type === 'search' ? `<script type="module" src="${esc(assets.search)}" data-pagefind="${esc(assets.pagefind)}" data-base="${esc(base)}"></script>` : '';
  // The same links serve the desktop bar and the phone menu (a <details>: no JS needed, keyboard-operable).
  const navLinks = config.nav
    ? config.nav.map((l) => `<a href="${esc(link(l.href, base))}">${esc(l.label)}</a>`).join('')
    : `<a href="${esc(base)}?kind=tutorial">${esc(t.tutorials)}</a><a href="${esc(base)}?kind=challenge">${esc(t.challenges)}</a><a href="${esc(base)}?kind=skill-path">${esc(t.skillPaths)}</a><a href="${esc(base)}?kind=course">${esc(t.courses)}</a>`;
  const social = (config.social ?? []).map((x) => `<a class="lk-social lk-social-${esc(x.kind)}" href="${esc(x.href)}" rel="me noopener">${esc(x.label ?? SOCIAL_LABEL[x.kind] ?? x.kind)}</a>`).join('');
  const footer = config.footer
    ? `${config.footer.text ? `<p>${esc(config.footer.text)}</p>` : ''}${config.footer.links.length ? `<nav class="lk-footer-links" aria-label="Footer">${config.footer.links.map((l) => `<a href="${esc(link(l.href, base))}">${esc(l.label)}</a>`).join('')}</nav>` : ''}`
    : `<p>${esc(config.title)} · ${esc(t.builtWith)}</p>`;
  const brand = config.logo
    ? `<img class="lk-logo-img" src="${esc(config.logo.url)}" alt="${esc(config.logo.replacesTitle ? config.logo.alt || config.title : config.logo.alt)}">${config.logo.replacesTitle ? '' : `<span class="lk-brand-title">${esc(config.title)}</span>`}`
    : `<span class="lk-logo" aria-hidden="true">▲</span><span class="lk-brand-title">${esc(config.title)}</span>`;
  const colors = config.colors ? colorStyle(config.colors) : '';
  const favicon = config.favicon ? `<link rel="icon" href="${esc(config.favicon.url)}" type="${esc(config.favicon.type)}">` : `<link rel="icon" href="${esc(base)}favicon.svg" type="image/svg+xml"><link rel="icon" href="${esc(base)}favicon.ico" sizes="32x32">`;
  const strings = JSON.stringify(Object.fromEntries(ISLAND_STRINGS.map((k) => [k, t[k]]))).replace(/</g, '\\u003c');
  const title = page.model.type === 'catalog' ? config.title : `${page.title} · ${config.title}`;
  const canonical = config.url ? `<link rel="canonical" href="${esc(config.url.replace(/\/$/, '') + base + page.route)}">` : '';
  return `<!doctype html>
<html lang="${esc(config.lang ?? 'en')}" data-base="${esc(base)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
${page.description ? `<meta name="description" content="${esc(page.description)}">` : ''}
${canonical}
<meta name="color-scheme" content="light dark">
${favicon}
<link rel="stylesheet" href="${esc(assets.css)}">
${(config.customCss ?? []).map((c) => `<link rel="stylesheet" href="${esc(c)}">`).join('\n')}${colors}
<script>try{var t=localStorage.getItem('labkit:theme');if(t)document.documentElement.dataset.theme=t}catch(e){}</script>
</head>
<body class="lk-page-${m.type}">
<a class="lk-skip" href="#main">${esc(t.skipToContent)}</a>
<header class="lk-topbar"><div class="lk-topbar-inner">
<a class="lk-brand" href="${esc(base)}">${brand}</a>
<nav class="lk-topnav" aria-label="${esc(t.siteNav)}">${navLinks}</nav>
<form class="lk-topsearch" action="${esc(base)}search/" role="search"><input name="q" type="search" placeholder="${esc(t.search)}" aria-label="${esc(t.searchSite)}"></form>
<button class="lk-theme" type="button" data-theme-toggle aria-label="${esc(t.toggleTheme)}"><span aria-hidden="true">◐</span></button>
<details class="lk-menu" data-menu><summary><span class="lk-menu-icon" aria-hidden="true"></span><span class="lk-menu-label">${esc(t.menu)}</span></summary>
<div class="lk-menu-panel"><nav aria-label="${esc(t.menu)}">${navLinks}</nav>${social ? `<p class="lk-menu-social">${social}</p>` : ''}<form action="${esc(base)}search/" role="search"><input name="q" type="search" placeholder="${esc(t.search)}" aria-label="${esc(t.searchSite)}"></form></div>
</details>
</div></header>
${config.preview ? `<div class="lk-preview-banner" role="note">${esc(t.previewBanner)}</div>` : ''}
<main id="main" class="${wide ? 'lk-main lk-main-wide' : 'lk-main'}"${m.type === 'item' || m.type === 'lesson' || m.type === 'path' || m.type === 'course' ? ' data-pagefind-body' : ''}>
${main}
</main>
<footer class="lk-footer">${footer}${social ? `<p class="lk-footer-social">${social}</p>` : ''}</footer>
${islands ? `<script type="application/json" id="lk-strings">${strings}</script>` : ''}${islands}${search}${playground}
</body>
</html>
`;
}

const kindLabel = (k: string): string => ({ tutorial: t.tutorial, challenge: t.challenge, 'skill-path': t.skillPath, course: t.course })[k] ?? k;
const kindPlural = (k: string): string => ({ tutorial: t.tutorials, challenge: t.challenges, 'skill-path': t.skillPaths, course: t.courses })[k] ?? k;
const SOCIAL_LABEL: Record<string, string> = { github: 'GitHub', gitlab: 'GitLab', x: 'X', mastodon: 'Mastodon', bluesky: 'Bluesky', discord: 'Discord', slack: 'Slack', youtube: 'YouTube', linkedin: 'LinkedIn', rss: 'RSS', email: 'Email', website: 'Website' };

/** A configured link: site paths (`/about/`) are taken as under the base. */
function link(href: string, base: string): string {
  return href.startsWith('/') && !href.startsWith('//') ? base + href.slice(1) : href;
}

/** Accent overrides from lab.config.ts (values were validated as CSS colours). */
function colorStyle(c: { accent?: string; accentDark?: string }): string {
  const light = c.accent ? `:root{--accent:${c.accent};--link:${c.accent};--accent-soft:color-mix(in srgb,${c.accent} 10%,transparent)}` : '';
  const dark = c.accentDark ? `:root[data-theme=dark]{--accent:${c.accentDark};--link:${c.accentDark};--accent-soft:color-mix(in srgb,${c.accentDark} 18%,transparent)}@media (prefers-color-scheme:dark){:root:not([data-theme=light]){--accent:${c.accentDark};--link:${c.accentDark};--accent-soft:color-mix(in srgb,${c.accentDark} 18%,transparent)}}` : '';
  return `\n<style>${light}${dark}</style>`;
}

function badges(h: { kind: string; difficulty?: string; categories: string[] }, base?: string): string {
  return join([
    `<span class="lk-kind lk-kind-${esc(h.kind)}">${esc(kindLabel(h.kind))}</span>`,
    h.difficulty && `<span class="lk-badge lk-badge-${esc(h.difficulty)}">${esc(h.difficulty)}</span>`,
    ...h.categories.map((c) => (base === undefined ? `<span class="lk-cat">${esc(c)}</span>` : `<a class="lk-cat" href="${esc(base)}categories/${esc(encodeURIComponent(c))}/">${esc(c)}</a>`)),
  ]);
}

function card(c: CardModel): string {
  return `<article class="lk-item-card" data-item="${esc(c.id)}" data-kind="${esc(c.kind)}" data-categories="${esc(c.categories.join(' '))}" data-difficulty="${esc(c.difficulty ?? '')}" data-tags="${esc(c.tags.join(' '))}" data-progress-tasks="${esc(c.tasks.join(' '))}" data-progress-lessons="${esc(c.lessons.join(' '))}">
<a class="lk-item-link" href="${esc(c.url)}">
${c.cover ? `<img class="lk-item-cover" src="${esc(c.cover.url)}" alt="" loading="lazy" decoding="async"${c.cover.width ? ` width="${c.cover.width}" height="${c.cover.height}"` : ''}>` : `<span class="lk-item-cover lk-item-cover-none lk-kind-bg-${esc(c.kind)}" aria-hidden="true">${esc(kindLabel(c.kind).slice(0, 1))}</span>`}
<span class="lk-item-body">
<span class="lk-item-meta">${badges(c)}</span>
<strong class="lk-item-title">${esc(c.title)}</strong>
${c.description ? `<span class="lk-item-desc">${esc(c.description)}</span>` : ''}
<span class="lk-progress" data-progress hidden><span class="lk-progress-bar"><span></span></span><span class="lk-progress-label"></span></span>
</span>
</a>
</article>`;
}

function cardGrid(items: CardModel[]): string {
  return items.length ? `<div class="lk-item-grid">${items.map(card).join('\n')}</div>` : `<p class="lk-muted">${esc(t.nothingYet)}</p>`;
}

function catalog(items: CardModel[], facets: { kinds: string[]; categories: string[]; difficulties: string[]; tags: string[] }, config: SiteConfig): string {
  const select = (name: string, label: string, values: string[], fmt: (v: string) => string = (v) => v) =>
    `<label class="lk-filter"><span>${label}</span><select name="${name}" data-filter="${name}"><option value="">${esc(t.filterAll)}</option>${values.map((v) => `<option value="${esc(v)}">${esc(fmt(v))}</option>`).join('')}</select></label>`;
  const counts = facets.kinds.map((k) => {
    const n = items.filter((i) => i.kind === k).length;
    return `${n} ${esc((n === 1 ? kindLabel(k) : kindPlural(k)).toLowerCase())}`;
  }).join(' · ');
  return `<header class="lk-hero">
<p class="lk-eyebrow">${esc(t.heroEyebrow)}</p>
<h1>${esc(config.title)}</h1>
<p class="lk-lede">${esc(t.heroLede)} ${counts ? `<span class="lk-muted">${counts}</span>` : ''}</p>
</header>
<form class="lk-filters" method="get" data-catalog-filters>
${select('kind', esc(t.filterKind), facets.kinds, kindLabel)}
${select('category', esc(t.filterCategory), facets.categories)}
${select('difficulty', esc(t.filterDifficulty), facets.difficulties)}
${select('tag', esc(t.filterTag), facets.tags, (x) => `#${x}`)}
<noscript><button class="lk-btn" type="submit">${esc(t.filter)}</button></noscript>
</form>
<p class="lk-filter-empty" hidden>${esc(t.noMatches)}</p>
${cardGrid(items)}
<section class="lk-taxonomies"><h2>${esc(t.browseByTag)}</h2><p class="lk-tags">${facets.tags.map((t) => `<a class="lk-tag" href="${esc(config.base)}tags/${esc(encodeURIComponent(t))}/">#${esc(t)}</a>`).join(' ')}</p></section>`;
}

function itemHeader(h: ItemHeader, extra = ''): string {
  return `<header class="lk-item-header">
<nav class="lk-crumbs" aria-label="Breadcrumb" data-pagefind-ignore><a href="../../">${esc(t.catalog)}</a> <span aria-hidden="true">/</span> <span>${esc(kindPlural(h.kind))}</span></nav>
<div class="lk-item-meta" data-pagefind-ignore>${badges(h, '../../')}</div>
<h1 data-pagefind-meta="title">${esc(h.title)}</h1>
${h.description ? `<p class="lk-lede">${esc(h.description)}</p>` : ''}
<div class="lk-item-tags" data-pagefind-ignore>${h.tags.map((t) => `<a class="lk-tag" href="../../tags/${esc(encodeURIComponent(t))}/">#${esc(t)}</a>`).join(' ')}${h.updatedAt ? `<span class="lk-muted">${esc(t.updated)} ${esc(h.updatedAt)}</span>` : ''}</div>
${extra}
</header>`;
}

function toc(headings: Heading[]): string {
  const hs = headings.filter((h) => h.depth <= 3);
  if (hs.length < 2) return '';
  return `<nav class="lk-toc" aria-label="${esc(t.onThisPage)}" data-pagefind-ignore><p class="lk-toc-title">${esc(t.onThisPage)}</p><ol>${hs.map((h) => `<li class="lk-toc-${h.depth}"><a href="#${esc(h.id)}">${esc(h.text)}</a></li>`).join('')}</ol></nav>`;
}

function taskSummary(item: string, tasks: string[]): string {
  if (!tasks.length) return '';
  return `<div class="lk-task-summary" data-pagefind-ignore data-progress-page="${esc(item)}" data-progress-tasks="${esc(tasks.map((t) => `${item}/${t}`).join(' '))}"><span class="lk-progress-bar"><span></span></span><span class="lk-progress-label">${tasks.length} ${esc(tasks.length === 1 ? t.task : t.tasks)}</span></div>`;
}

function itemPage(h: ItemHeader, html: string, headings: Heading[], tasks: string[], extras: Array<{ title: string; html: string; id: string }>): string {
  return `<div class="lk-article-layout">
<article class="lk-article" data-progress-item="${esc(h.id)}">
${itemHeader(h, taskSummary(h.id, tasks))}
${h.cover ? `<img class="lk-cover" src="${esc(h.cover.url)}" alt=""${h.cover.width ? ` width="${h.cover.width}" height="${h.cover.height}"` : ''}>` : ''}
<div class="lk-prose">${html}</div>
${extras.map((x) => `<details class="lk-solution" id="${esc(x.id)}"><summary>${esc(x.title)} <span class="lk-muted">(${esc(t.spoiler)})</span></summary><div class="lk-prose">${x.html}</div></details>`).join('\n')}
<footer class="lk-done-bar" data-pagefind-ignore><button type="button" class="lk-btn" data-mark-done="${esc(h.id)}">${esc(t.markCompleted)}</button></footer>
</article>
<aside class="lk-aside">${toc(headings)}</aside>
</div>`;
}

function pathPage(h: ItemHeader, html: string, units: Array<{ title: string; html: string; id: string; cards: CardModel[] }>): string {
  return `<div class="lk-article-layout">
<article class="lk-article">
${itemHeader(h)}
<div class="lk-prose">${html}</div>
<ol class="lk-units">
${units.map((u, i) => `<li class="lk-unit" id="${esc(u.id)}" data-progress-tasks="${esc(u.cards.flatMap((c) => c.tasks).join(' '))}" data-progress-lessons="${esc(u.cards.flatMap((c) => c.lessons).concat(u.cards.map((c) => c.id)).join(' '))}"><div class="lk-unit-marker" aria-hidden="true">${i + 1}</div><div class="lk-unit-body"><h2>${esc(u.title)}</h2><div class="lk-prose">${u.html}</div></div></li>`).join('\n')}
</ol>
</article>
<aside class="lk-aside"><nav class="lk-toc" aria-label="${esc(t.units)}"><p class="lk-toc-title">${esc(t.units)}</p><ol>${units.map((u) => `<li><a href="#${esc(u.id)}">${esc(u.title)}</a></li>`).join('')}</ol></nav></aside>
</div>`;
}

/**
 * The course navigation: a sidebar on wide screens, a drawer above the text
 * on narrow ones. It is a <details> that the HTML leaves open (so a page
 * without JS still shows the navigation); the inline script closes it at
 * once on narrow screens, before the first paint.
 */
function sidebar(nav: NavModule[], current: string | undefined): string {
  const here = current ? nav.flatMap((m) => m.lessons.flatMap((l) => [l, ...l.units])).find((l) => l.key === current) : undefined;
  return `<details class="lk-drawer" open data-drawer><summary><span class="lk-drawer-label">${esc(t.courseContents)}</span>${here ? `<span class="lk-drawer-here">${esc(here.title)}</span>` : ''}</summary>
<script>if(matchMedia('(max-width: 900px)').matches)document.currentScript.parentElement.open=false</script>
<nav class="lk-sidebar" aria-label="Course" data-pagefind-ignore>${nav
    .map(
      (mod) => `<div class="lk-side-module"><p class="lk-side-title">${esc(mod.title)}</p><ol>${mod.lessons
        .map(
          (l) => `<li><a href="${esc(l.url)}" data-lesson="${esc(l.key)}"${l.key === current ? ' aria-current="page"' : ''}><span class="lk-check" aria-hidden="true"></span>${esc(l.title)}</a>${
            l.units.length ? `<ol>${l.units.map((u) => `<li><a href="${esc(u.url)}"${u.key === current ? ' aria-current="page"' : ''}>${esc(u.title)}</a></li>`).join('')}</ol>` : ''
          }</li>`,
        )
        .join('')}</ol></div>`,
    )
    .join('')}</nav></details>`;
}

function redirectPage(to: string, config: SiteConfig): string {
  return `<!doctype html>
<html lang="${esc(config.lang ?? 'en')}">
<head>
<meta charset="utf-8">
<title>Moved · ${esc(config.title)}</title>
<meta http-equiv="refresh" content="0; url=${esc(to)}">
<link rel="canonical" href="${esc(to)}">
<meta name="robots" content="noindex">
</head>
<body><p>${esc(t.moved)} <a href="${esc(to)}">${esc(to)}</a>.</p></body>
</html>
`;
}

function coursePage(h: ItemHeader, html: string, nav: NavModule[], lessons: string[]): string {
  const first = nav[0]?.lessons[0];
  return `<div class="lk-course-layout">
${sidebar(nav, undefined)}
<article class="lk-article" data-progress-course="${esc(h.id)}" data-progress-lessons="${esc(lessons.join(' '))}">
${itemHeader(h, `<div class="lk-task-summary" data-pagefind-ignore data-course-progress><span class="lk-progress-bar"><span></span></span><span class="lk-progress-label">${lessons.length} ${esc(t.lessons)}</span></div>`)}
<div class="lk-prose">${html}</div>
${first ? `<p><a class="lk-btn lk-btn-primary" href="${esc(first.url)}">${esc(t.startCourse)}</a></p>` : ''}
<section class="lk-syllabus"><h2>${esc(t.syllabus)}</h2>${nav.map((mod) => `<h3>${esc(mod.title)}</h3><ol>${mod.lessons.map((l) => `<li><a href="${esc(l.url)}" data-lesson="${esc(l.key)}"><span class="lk-check" aria-hidden="true"></span>${esc(l.title)}</a></li>`).join('')}</ol>`).join('')}</section>
</article>
</div>`;
}

function lessonPage(m: Extract<Page['model'], { type: 'lesson' }>): string {
  return `<div class="lk-course-layout">
${sidebar(m.nav, m.current)}
<article class="lk-article" data-progress-item="${esc(m.lesson)}">
<header class="lk-item-header"><nav class="lk-crumbs" aria-label="Breadcrumb" data-pagefind-ignore><a href="${esc(m.course.url)}">${esc(m.course.title)}</a></nav><h1>${esc(m.title)}</h1>${taskSummary(m.lesson, m.tasks)}</header>
<div class="lk-prose">${m.html}</div>
<footer class="lk-done-bar" data-pagefind-ignore><button type="button" class="lk-btn" data-mark-done="${esc(m.lesson)}">${esc(t.markLessonDone)}</button></footer>
<nav class="lk-pager" aria-label="Lesson" data-pagefind-ignore>
${m.prev ? `<a class="lk-pager-prev" rel="prev" href="${esc(m.prev.url)}"><small>${esc(t.previous)}</small><span>${esc(m.prev.title)}</span></a>` : '<span></span>'}
${m.next ? `<a class="lk-pager-next" rel="next" href="${esc(m.next.url)}"><small>${esc(t.next)}</small><span>${esc(m.next.title)}</span></a>` : '<span></span>'}
</nav>
</article>
<aside class="lk-aside">${toc(m.headings)}</aside>
</div>`;
}
