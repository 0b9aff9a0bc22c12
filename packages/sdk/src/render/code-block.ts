import type { Element, Root as HastRoot } from 'hast';
import type { Highlighter, BundledLanguage } from 'shiki';
import { toHtml } from 'hast-util-to-html';
import { highlightKey, highlightVersion, readHighlight, writeHighlight } from './highlight-cache.ts';

/**
 * Code fence meta in the iximiuz format: ```` ```yaml [file.yaml]{2,9-11} ````.
 * The file name is in brackets, the highlighted lines in braces.
 */
export interface CodeMeta {
  filename?: string;
  highlight: Set<number>;
  /**
   * Click-to-run: ```` ```sh exec ```` (the playground's current terminal) or
   * ```` ```sh exec=web-01 ```` (that machine's terminal). `true` or a machine name.
   */
  exec?: true | string;
}

export function parseCodeMeta(meta: string | null | undefined): CodeMeta {
  const out: CodeMeta = { highlight: new Set() };
  if (!meta) return out;
  const file = /\[([^\]]*)\]/.exec(meta);
  if (file && file[1]!.trim()) out.filename = file[1]!.trim();
  // `exec` is a bare word of the meta, outside the [file] and {lines} parts.
  const run = /(?:^|\s)exec(?:=([\w.-]+))?(?=\s|$)/.exec(meta.replace(/\[[^\]]*\]|\{[^}]*\}/g, ' '));
  if (run) out.exec = run[1] ?? true;
  const lines = /\{([\d\s,-]+)\}/.exec(meta);
  if (lines) {
    for (const part of lines[1]!.split(',')) {
      const [a, b] = part.trim().split('-').map((n) => Number.parseInt(n, 10));
      if (a === undefined || Number.isNaN(a)) continue;
      const end = b === undefined || Number.isNaN(b) ? a : b;
      // A typo like {1-100000} must not allocate a huge set.
      for (let n = a; n <= Math.min(end, a + 10_000); n++) out.highlight.add(n);
    }
  }
  return out;
}

// The high-contrast GitHub themes: the plain ones put comments at 3:1 on
// their own background, below WCAG AA (axe-core flags them).
const THEMES = { light: 'github-light-high-contrast', dark: 'github-dark-high-contrast' } as const;
const ALIASES: Record<string, string> = { sh: 'shellscript', shell: 'shellscript', bash: 'shellscript', console: 'shellsession', yml: 'yaml', dockerfile: 'docker', text: 'text', txt: 'text', plaintext: 'text' };

/**
 * The regex engine under Shiki's TextMate tokenizer. `javascript` (Shiki's
 * JavaScript RegExp engine: each Oniguruma pattern translated to a native
 * RegExp) highlights ~1.5x faster than `oniguruma` (the WASM build of the
 * engine the grammars are written for). Only the languages in
 * {@link JAVASCRIPT_LANGUAGES} use it; a language whose grammar it cannot
 * take (a pattern it cannot translate throws) goes back to Oniguruma.
 */
export type RegexEngineName = 'javascript' | 'oniguruma';

/**
 * The languages highlighted with the JavaScript engine: each gives the same
 * HTML under both engines for every fence of the examples, the shared corpus
 * and the build bench (test/render/regex-engine.test.ts, which also fails
 * when a language here has no fence to compare). Any other language stays on
 * Oniguruma: a grammar nobody compared could colour a token differently.
 */
export const JAVASCRIPT_LANGUAGES: ReadonlySet<string> = new Set(['docker', 'go', 'javascript', 'makefile', 'markdown', 'python', 'shellscript', 'text', 'yaml']);

/** Languages that threw under the JavaScript engine in this process. */
const onigurumaAfterError = new Set<string>();

const highlighters = new Map<RegexEngineName, Promise<Highlighter>>();
const loading = new Map<string, Promise<void>>();

// shiki is heavy: it loads on the first highlight, so importing @labkit/sdk
// (e.g. for `lab validate`) never loads it.
let shikiModule: Promise<typeof import('shiki')> | undefined;
const loadShiki = (): Promise<typeof import('shiki')> => (shikiModule ??= import('shiki'));

/** One highlighter per engine per process (the Oniguruma one only once a language needs it); languages load on first use. */
function getHighlighter(engine: RegexEngineName): Promise<Highlighter> {
  let h = highlighters.get(engine);
  if (!h) {
    h = (async () => {
      const shiki = await loadShiki();
      const regexEngine =
        engine === 'javascript'
          ? (await import('shiki/engine/javascript')).createJavaScriptRegexEngine()
          : await (await import('shiki/engine/oniguruma')).createOnigurumaEngine(import('shiki/wasm'));
      return shiki.createHighlighter({ themes: [THEMES.light, THEMES.dark], langs: [], engine: regexEngine });
    })();
    highlighters.set(engine, h);
  }
  return h;
}

/** The bundled language id (or alias) a fence's language is highlighted as, or `text` (no grammar). */
export async function languageId(lang: string): Promise<string> {
  const id = ALIASES[lang] ?? lang;
  if (id === 'text') return 'text';
  return id in (await loadShiki()).bundledLanguages ? id : 'text';
}

async function ensureLanguage(h: Highlighter, engine: RegexEngineName, id: string): Promise<void> {
  if (id === 'text' || h.getLoadedLanguages().includes(id)) return;
  const key = `${engine}\0${id}`;
  let p = loading.get(key);
  if (!p) {
    p = h.loadLanguage(id as BundledLanguage);
    loading.set(key, p);
  }
  await p;
}

/** The engine a language is highlighted with: `LABKIT_SHIKI_ENGINE=oniguruma` puts every language on Oniguruma (a before/after measurement). */
function engineFor(id: string): RegexEngineName {
  if (process.env['LABKIT_SHIKI_ENGINE'] === 'oniguruma') return 'oniguruma';
  return JAVASCRIPT_LANGUAGES.has(id) && !onigurumaAfterError.has(id) ? 'javascript' : 'oniguruma';
}

/**
 * Highlights one fence into a `<figure class="lk-code">` with an optional
 * file name bar and a copy button (wired by the `copy` island; without JS
 * the code is still there to select).
 */
export async function highlightCode(code: string, lang: string | null | undefined, meta: string | null | undefined): Promise<Element> {
  return structuredClone(await sharedFigure(code, lang, meta, true));
}

/**
 * The figure, shared: never handed out to be changed (a caller that gets
 * one clones it). `keep`: remember it in memory for the next call; the HTML
 * path keeps the HTML string instead, so a build's figures (each used once,
 * in its page's HTML) are not held and promoted to the old generation.
 */
async function sharedFigure(code: string, lang: string | null | undefined, meta: string | null | undefined, keep: boolean): Promise<Element> {
  // Editing one paragraph of a long tutorial must not re-highlight its fifty
  // fences: `lab dev` re-renders the document, Shiki runs only for new code.
  const key = `${lang ?? ''}\0${meta ?? ''}\0${code}`;
  const hit = highlighted.get(key);
  if (hit) return hit;
  // Then the disk, shared by every build and dev process (highlight-cache.ts):
  // the first render after a restart does not run Shiki for known code.
  const digest = highlightKey(highlightVersion(THEMES, import.meta.url), code, lang, meta);
  let out = await readHighlight(digest);
  if (!out) {
    out = await highlightUncached(code, lang, meta);
    writeHighlight(digest, out);
  }
  if (keep) {
    if (highlighted.size >= 4000) highlighted.delete(highlighted.keys().next().value!);
    highlighted.set(key, out);
  }
  return out;
}

const highlighted = new Map<string, Element>();

/**
 * The figure of one fence as HTML, serialized once per process: a save in
 * `lab dev` re-renders the whole page, and its fifty figures (a span with
 * two colour styles per token) were most of what `toHtml` wrote, again and
 * again, for code that had not changed. The string is exactly
 * `toHtml(highlightCode(...))`: a figure holds no raw HTML and nothing in it
 * depends on where it sits in the page.
 */
export async function highlightCodeHtml(code: string, lang: string | null | undefined, meta: string | null | undefined): Promise<string> {
  const key = `${lang ?? ''}\0${meta ?? ''}\0${code}`;
  const hit = highlightedHtml.get(key);
  if (hit !== undefined) return hit;
  // toHtml only reads the tree: no copy of the shared figure is needed.
  const html = toHtml(await sharedFigure(code, lang, meta, false));
  if (highlightedHtml.size >= 4000) highlightedHtml.delete(highlightedHtml.keys().next().value!);
  highlightedHtml.set(key, html);
  return html;
}

const highlightedHtml = new Map<string, string>();

/** Forgets the in-process figures (tests: the next highlight reads the disk or runs Shiki). */
export function clearHighlightMemory(): void {
  highlighted.clear();
  highlightedHtml.clear();
}

/**
 * Shiki, with no cache: what every cached figure must equal. `engine`
 * forces one regex engine (tests compare them); without it the language's
 * engine is used, and a language the JavaScript engine throws on is
 * highlighted with Oniguruma, now and for the rest of the process.
 */
export async function highlightUncached(code: string, lang: string | null | undefined, meta: string | null | undefined, engine?: RegexEngineName): Promise<Element> {
  const language = await languageId((lang ?? 'text').toLowerCase());
  const { filename, highlight, exec } = parseCodeMeta(meta);
  const toHast = async (e: RegexEngineName) => {
    const h = await getHighlighter(e);
    await ensureLanguage(h, e, language);
    return h.codeToHast(code.replace(/\n$/, ''), {
      lang: language,
      themes: THEMES,
      defaultColor: 'light',
      transformers: [
        {
          line(node, line) {
            if (highlight.has(line)) this.addClassToHast(node, 'hl');
          },
        },
      ],
    }) as HastRoot;
  };
  const chosen = engine ?? engineFor(language);
  let tree: HastRoot;
  try {
    tree = await toHast(chosen);
  } catch (error) {
    if (chosen !== 'javascript' || engine !== undefined) throw error;
    // A pattern the JavaScript engine cannot translate (it throws when the
    // rule is first compiled): this language goes to Oniguruma.
    onigurumaAfterError.add(language);
    tree = await toHast('oniguruma');
  }
  const pre = tree.children.find((c): c is Element => c.type === 'element' && c.tagName === 'pre');
  if (!pre) throw new Error('shiki returned no <pre>');
  const { tabindex: _t, ...rest } = pre.properties;
  // No undefined property: a figure read back from the disk cache (JSON) must equal this one.
  pre.properties = { ...rest, tabIndex: 0, ...(language === 'text' ? {} : { dataLang: language }) };
  const bar: Element[] = [];
  const header: Element = {
    type: 'element',
    tagName: 'div',
    properties: { className: ['lk-code-bar'] },
    children: [
      filename
        ? { type: 'element', tagName: 'span', properties: { className: ['lk-code-file'] }, children: [{ type: 'text', value: filename }] }
        : { type: 'element', tagName: 'span', properties: { className: ['lk-code-lang'] }, children: [{ type: 'text', value: lang ?? '' }] },
      ...(exec
        ? [{ type: 'element' as const, tagName: 'button', properties: { type: 'button', className: ['lk-run'], ariaLabel: 'Run in the terminal', dataRun: exec === true ? '' : exec, hidden: true }, children: [{ type: 'text' as const, value: '▶ Run' }] }]
        : []),
      { type: 'element', tagName: 'button', properties: { type: 'button', className: ['lk-copy'], ariaLabel: 'Copy code', dataCopy: '' }, children: [{ type: 'text', value: 'Copy' }] },
    ],
  };
  bar.push(header);
  return {
    type: 'element',
    tagName: 'figure',
    properties: { className: filename ? ['lk-code', 'lk-code-named'] : ['lk-code'], ...(exec ? { dataExec: exec === true ? '' : exec } : {}) },
    children: [...bar, pre],
  };
}
