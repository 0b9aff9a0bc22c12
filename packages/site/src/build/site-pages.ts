import os from 'node:os';
import type { RenderOptions, RenderedDocument } from '@labkit/sdk';
import type { Root } from 'mdast';
import type { SiteContent, SiteDoc, SiteItem, SiteLesson } from '../content/site-content.ts';
import type { SiteAsset } from '../content/assets.ts';
import { resolveAssetIn, resolversFor, type ResolverTable } from './resolvers.ts';
import { RenderPool } from './render-pool.ts';
import type { CardModel, ItemHeader, NavModule, Page, SiteConfig } from '../shell/page-model.ts';
import type { RenderCache } from './render-cache.ts';

const SECTION: Record<string, string> = { tutorial: 'tutorials', challenge: 'challenges', 'skill-path': 'skill-paths', course: 'courses' };
const COLLECTION_KIND: Record<string, string> = { tutorials: 'tutorial', challenges: 'challenge', 'skill-paths': 'skill-path', courses: 'course' };
const KIND_ORDER = ['course', 'skill-path', 'tutorial', 'challenge'];
/** Cache misses rendered on the calling thread before a parallel build starts its render workers. */
const IN_THREAD_RENDERS = 16;
/** Render workers of a parallel build: one per core but this thread's. */
const RENDER_WORKERS = Math.max(1, Math.min(os.availableParallelism(), 4) - 1);
/**
 * Documents in render at once, per rendering thread. Without a bound every
 * document of the site started at once (each job's mdast, half-built hast and
 * cache write alive together); a few per thread keep the threads busy while
 * one waits on the disk.
 */
const IN_FLIGHT_PER_THREAD = 4;

export interface SitePagesOptions {
  /** Render on worker threads too (big builds). */
  parallel?: boolean;
  /**
   * Take each page as soon as it is final instead of collecting them: the
   * result's `pages` is then empty, and no page model outlives its turn in
   * the sink (a one-shot `lab build` spools them to disk). Item pages come in
   * the order of a collected build; skill path pages (their cards count
   * quizzes found in later items), then the catalog, taxonomy, search and 404
   * pages, come last.
   */
  sink?: (page: Page) => void | Promise<void>;
  /**
   * Called once a document is rendered (each document is rendered once per
   * call): a one-shot build drops the document's mdast there.
   */
  release?: (doc: SiteDoc) => void;
}

export interface SitePages {
  pages: Page[];
  /** Source file → asset output path, for the assets the pages use. */
  assets: SiteAsset[];
}

/** The route of an item: `challenges/<slug>/`. */
export function itemRoute(item: Pick<SiteItem, 'kind' | 'slug'>): string {
  return `${SECTION[item.kind]}/${item.slug}/`;
}

/**
 * Turns the content into every page of the site: renders each document
 * (through the cache) and builds the page models the templates take.
 * Pure with respect to the file system: `lab build` and `lab dev` share it.
 */
export async function buildSitePages(content: SiteContent, assets: Map<string, SiteAsset>, config: SiteConfig, cache: RenderCache, options: boolean | SitePagesOptions = {}): Promise<SitePages> {
  const { parallel = false, sink, release } = typeof options === 'boolean' ? { parallel: options } : options;
  const base = config.base;
  const used = new Map<string, SiteAsset>();
  const bySlug = new Map<string, SiteItem>();
  for (const item of content.items) {
    bySlug.set(`${item.kind}:${item.slug}`, item);
    bySlug.set(`${item.kind}:${item.slug.replace(/_/g, '-')}`, item);
  }
  const table: ResolverTable = { base, assets: new Map([...assets].map(([src, a]) => [src, { outPath: a.outPath, ...(a.width ? { width: a.width, height: a.height } : {}) }])), cards: new Map(), pages: pageUrls(content, base) };
  const assetUrl = (docFile: string, src: string | undefined) => {
    const a = resolveAssetIn(table, docFile, src);
    if (!a) return undefined;
    used.set(a.source, assets.get(a.source)!);
    return { url: a.url, ...(a.width ? { width: a.width, height: a.height } : {}) };
  };

  const courseLessons = (item: SiteItem) => item.modules.flatMap((m) => m.lessons.map((l) => `${item.kind}s/${item.slug}/${m.slug ? `${m.slug}/` : ''}${l.slug}`));
  const taskKeys = (item: SiteItem) => learnerTasks(item.frontMatter).map((t) => `${itemRoute(item).slice(0, -1)}/${t}`);
  const cardOf = (item: SiteItem): CardModel => ({
    id: itemRoute(item).slice(0, -1),
    kind: item.kind,
    title: item.title,
    ...(item.description ? { description: item.description.trim() } : {}),
    url: base + itemRoute(item),
    ...(assetUrl(item.file, item.cover) ? { cover: assetUrl(item.file, item.cover)! } : {}),
    categories: item.categories,
    tags: item.tags,
    ...(item.difficulty ? { difficulty: item.difficulty } : {}),
    tasks: taskKeys(item),
    lessons: item.kind === 'course' ? courseLessons(item) : [],
    ...(item.updatedAt ?? item.createdAt ? { updatedAt: item.updatedAt ?? item.createdAt! } : {}),
  });
  const cards = new Map(content.items.map((i) => [i, cardOf(i)]));
  for (const [key, item] of bySlug) {
    const c = cards.get(item)!;
    table.cards.set(key, { kind: c.kind, title: c.title, url: c.url, ...(c.description ? { description: c.description } : {}), ...(c.cover ? { cover: c.cover } : {}), ...(c.difficulty ? { difficulty: c.difficulty } : {}) });
  }
  let pool: RenderPool | undefined;
  let misses = 0;
  // A first-come first-served bound on the documents in render at once.
  const limit = IN_FLIGHT_PER_THREAD * (parallel ? RENDER_WORKERS + 1 : 1);
  let active = 0;
  const waiting: Array<() => void> = [];
  const bounded = async <T>(f: () => Promise<T>): Promise<T> => {
    if (active < limit) active++;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await f();
    } finally {
      // The slot passes straight to the next waiter, if any.
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
  const render = (doc: SiteDoc): Promise<RenderedDocument> => bounded(() => renderNow(doc));
  const renderNow = async (doc: SiteDoc): Promise<RenderedDocument> => {
    const preview = config.preview === true;
    const options: RenderOptions = { preview, ...resolversFor(table, doc.file) };
    // The first few misses render here: a rebuild that changed a handful of
    // files does not pay the workers' start-up (each loads the highlighter).
    // Past those, this thread takes one miss in (workers + 1), so every core
    // renders without a worker (and its memory) per core.
    const remote = parallel
      ? (mdast: Root) => {
          misses++;
          if (misses <= IN_THREAD_RENDERS || misses % (RENDER_WORKERS + 1) === 0) return undefined;
          return (pool ??= new RenderPool(table, RENDER_WORKERS)).render(doc.file, mdast, preview);
        }
      : undefined;
    const out = await cache.render(doc, doc.body, options, remote);
    release?.(doc);
    // Cached renders did not call the resolvers: record their assets again.
    for (const src of out.assets) assetUrl(doc.file, src);
    // The render's own diagnostics are not collected: every one has a
    // validation rule that reports it in the graph, which is what `lab build`
    // and `lab dev` show (one set of findings, the same as `lab validate`).
    return out;
  };
  const header = (item: SiteItem): ItemHeader => {
    const c = cards.get(item)!;
    return { id: c.id, kind: c.kind, title: c.title, ...(c.description ? { description: c.description } : {}), url: c.url, categories: c.categories, tags: c.tags, ...(c.difficulty ? { difficulty: c.difficulty } : {}), ...(c.cover ? { cover: c.cover } : {}), ...(c.updatedAt ? { updatedAt: c.updatedAt } : {}) };
  };

  const pages: Page[] = [];
  const sorted = [...content.items].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.title.localeCompare(b.title));
  const jobs = sorted.map(async (item): Promise<Page[]> => {
    const route = itemRoute(item);
    const main = await render(item);
    const h = header(item);
    // Quizzes are known once the item is rendered; its card (catalog, tags,
    // skill path units) counts them like tasks. The card objects are shared
    // by reference and read only after every job has finished.
    const quizzes = quizKeys(main);
    if (quizzes.length) cards.get(item)!.tasks.push(...quizzes.map((q) => `${itemRoute(item).slice(0, -1)}/${q}`));
    if (item.kind === 'tutorial' || item.kind === 'challenge') {
      const extras = await Promise.all(item.extras.map(async (x, i) => ({ title: x.slug.startsWith('solution') ? `Solution${item.extras.length > 1 ? ` ${i + 1}` : ''}` : x.title, id: x.slug, html: (await render(x)).html })));
      return [{ route, title: item.title, ...(item.description ? { description: item.description.trim() } : {}), sourceFile: item.file, islands: islandsOf(main), model: { type: 'item', item: h, html: main.html, headings: main.headings, tasks: [...learnerTasks(item.frontMatter), ...quizKeys(main)], extras } }];
    }
    if (item.kind === 'skill-path') {
      const units = await Promise.all(item.units.map(async (u) => {
        const r = await render(u);
        const refs = Object.entries(COLLECTION_KIND).flatMap(([col, kind]) => Object.keys((u.frontMatter[col] as Record<string, unknown> | undefined) ?? {}).map((name) => bySlug.get(`${kind}:${name}`)).filter((x): x is SiteItem => x !== undefined));
        return { title: u.title, id: u.slug, html: r.html, cards: refs.map((x) => cards.get(x)!) };
      }));
      return [{ route, title: item.title, ...(item.description ? { description: item.description.trim() } : {}), sourceFile: item.file, islands: ['tasks'], model: { type: 'path', item: h, html: main.html, units } }];
    }
    // course
    const nav: NavModule[] = item.modules.map((m) => ({
      title: m.title,
      lessons: m.lessons.map((l) => {
        const lessonRoute = `${route}${m.slug ? `${m.slug}/` : ''}${l.slug}/`;
        const units = mergedUnit(l) ? [] : l.units;
        return { key: lessonRoute.slice(0, -1), title: l.title, url: base + lessonRoute, units: units.map((u) => ({ key: `${lessonRoute}${u.slug}`, title: u.title, url: `${base}${lessonRoute}${u.slug}/` })) };
      }),
    }));
    const flat: Array<{ doc: SiteDoc; also?: SiteDoc; key: string; lesson: string; url: string; tasks: string[] }> = [];
    const redirects: Page[] = [];
    item.modules.forEach((m, mi) => m.lessons.forEach((l, li) => {
      const navLesson = nav[mi]!.lessons[li]!;
      const tasks = learnerTasks(l.frontMatter);
      const merged = mergedUnit(l);
      flat.push({ doc: l, ...(merged ? { also: merged } : {}), key: navLesson.key, lesson: navLesson.key, url: navLesson.url, tasks: merged ? [...tasks, ...learnerTasks(merged.frontMatter)] : tasks });
      // The unit's own address (`…/<lesson>/<lesson>/`) keeps working as a redirect page.
      if (merged) redirects.push({ route: `${navLesson.url.slice(base.length)}${merged.slug}/`, title: l.title, islands: [], model: { type: 'redirect', to: navLesson.url } });
      navLesson.units.forEach((u, ui) => flat.push({ doc: l.units[ui]!, key: u.key, lesson: navLesson.key, url: u.url, tasks: [] }));
    }));
    const lessonKeys = nav.flatMap((m) => m.lessons.map((l) => l.key));
    const out: Page[] = [{ route, title: item.title, ...(item.description ? { description: item.description.trim() } : {}), sourceFile: item.file, islands: ['tasks'], model: { type: 'course', item: h, html: main.html, nav, lessons: lessonKeys } }, ...redirects];
    const rendered = await Promise.all(flat.map(async (f): Promise<RenderedDocument> => {
      const a = await render(f.doc);
      if (!f.also) return a;
      const b = await render(f.also);
      return { ...a, html: a.html + b.html, headings: [...a.headings, ...b.headings], tasks: [...a.tasks, ...b.tasks], islands: [...new Set([...a.islands, ...b.islands])] };
    }));
    flat.forEach((f, i) => {
      const r = rendered[i]!;
      const prev = flat[i - 1];
      const next = flat[i + 1];
      out.push({
        route: f.url.slice(base.length),
        title: f.doc.title,
        sourceFile: f.doc.file,
        islands: [...new Set(['tasks', ...r.islands])],
        model: {
          type: 'lesson', course: h, nav, lesson: f.lesson, current: f.key, title: f.doc.title, html: r.html, headings: r.headings,
          tasks: [...f.tasks, ...quizKeys(r)],
          ...(prev ? { prev: { title: prev.doc.title, url: prev.url } } : {}),
          ...(next ? { next: { title: next.doc.title, url: next.url } } : {}),
        },
      });
    });
    return out;
  });
  // Path pages wait for every item (see `sink`).
  const deferred: Page[] = [];
  const put = async (p: Page) => {
    if (!sink) pages.push(p);
    else if (p.model.type === 'path') deferred.push(p);
    else await sink(p);
  };
  try {
    // Taken in order; a later job that fails first is still reported (by
    // its own await), never as an unhandled rejection.
    for (const job of jobs) job.catch(() => {});
    for (const job of jobs) for (const p of await job) await put(p);
  } finally {
    await pool?.close();
  }
  for (const p of deferred) await sink!(p);

  const allCards = sorted.map((i) => cards.get(i)!);
  const uniq = (xs: string[]) => [...new Set(xs)].sort();
  const facets = {
    kinds: KIND_ORDER.filter((k) => allCards.some((c) => c.kind === k)),
    categories: uniq(allCards.flatMap((c) => c.categories)),
    difficulties: ['easy', 'medium', 'hard'].filter((d) => allCards.some((c) => c.difficulty === d)),
    tags: uniq(allCards.flatMap((c) => c.tags)),
  };
  const catalog: Page = { route: '', title: config.title, islands: ['progress'], model: { type: 'catalog', items: allCards, facets } };
  if (sink) await sink(catalog);
  else pages.unshift(catalog);
  for (const tag of facets.tags) await put({ route: `tags/${tag}/`, title: `#${tag}`, islands: ['progress'], model: { type: 'taxonomy', taxonomy: 'tag', value: tag, items: allCards.filter((c) => c.tags.includes(tag)) } });
  for (const cat of facets.categories) await put({ route: `categories/${cat}/`, title: cat, islands: ['progress'], model: { type: 'taxonomy', taxonomy: 'category', value: cat, items: allCards.filter((c) => c.categories.includes(cat)) } });
  await put({ route: 'search/', title: 'Search', islands: ['progress'], model: { type: 'search' } });
  await put({ route: '404.html', title: 'Page not found', islands: [], model: { type: 'not-found' } });
  return { pages, assets: [...used.values()] };
}

/**
 * The page URL of every document, by source file, for relative links
 * between content files: items and course lessons and units have their own
 * pages; skill path units and solutions are sections of their item's page.
 */
function pageUrls(content: SiteContent, base: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of content.items) {
    const route = base + itemRoute(item);
    out.set(item.file, route);
    for (const u of item.units) if (!out.has(u.file)) out.set(u.file, `${route}#${u.slug}`);
    for (const x of item.extras) if (!out.has(x.file)) out.set(x.file, `${route}#${x.slug}`);
    for (const m of item.modules) {
      for (const l of m.lessons) {
        const lesson = `${route}${m.slug ? `${m.slug}/` : ''}${l.slug}/`;
        out.set(l.file, lesson);
        const merged = mergedUnit(l);
        for (const u of l.units) if (!out.has(u.file)) out.set(u.file, u === merged ? lesson : `${lesson}${u.slug}/`);
      }
    }
  }
  return out;
}

/**
 * A lesson whose only unit carries the lesson's own title (or name) is one
 * page, not a lesson with a sub-page of the same name: real courses written
 * for the platform often put the whole lesson into a single such unit.
 */
function mergedUnit(l: SiteLesson): SiteDoc | undefined {
  if (l.units.length !== 1) return undefined;
  const u = l.units[0]!;
  const norm = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  return norm(u.title) === norm(l.title) || u.slug === l.slug ? u : undefined;
}

/**
 * The tasks a learner works on: init tasks (playground setup) and helper
 * tasks (background loops) are the author's machinery, not progress.
 */
function learnerTasks(frontMatter: Record<string, unknown>): string[] {
  const tasks = (frontMatter['tasks'] ?? {}) as Record<string, { init?: unknown; helper?: unknown } | null>;
  return Object.entries(tasks).filter(([, t]) => !t?.init && !t?.helper).map(([name]) => name);
}

/** Quizzes count in a page's progress like tasks, under `quiz:<name>`. */
function quizKeys(r: RenderedDocument): string[] {
  return r.tasks.filter((t) => t.component === 'quiz').map((t) => `quiz:${t.name}`);
}

function islandsOf(r: RenderedDocument): string[] {
  return [...new Set(['tasks', 'progress', ...r.islands])];
}
