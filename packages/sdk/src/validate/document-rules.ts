import { parseDocument as parseYaml } from 'yaml';
import { getComponent, componentRegistry, type ComponentSpec } from '../components/registry.ts';
import type { Span } from '../diagnostics/diagnostic.ts';
import { dirName } from '../graph/discover.ts';
import type { ContentDocument, ContentItem } from '../graph/types.ts';
import type { Root } from 'mdast';
import { LineIndex } from '../parse/line-index.ts';
import { headingIds } from '../render/heading-ids.ts';
import { PropLocator, readComponentProps, type MdcComponentNode } from '../parse/mdc-props.ts';
import { referenceKinds } from '../schemas/references.ts';
import { placeOf, type Reporter } from './context.ts';
import { didYouMean } from './suggest.ts';
import { resolvePosix } from '../util/posix-path.ts';
import { safeUrl } from '../render/component-props.ts';

interface Pos {
  start: { line: number; column: number; offset?: number };
  end: { line: number; column: number; offset?: number };
}

interface MdNode {
  type: string;
  name?: string;
  url?: string;
  alt?: string | null;
  value?: string;
  children?: MdNode[];
  attributes?: Record<string, unknown>;
  fmAttributes?: Record<string, unknown>;
  rawData?: string;
  position?: Pos;
}

/** A link whose target is outside its own document, checked once the whole graph is known. */
export interface LinkUse {
  /** `root`: a root-relative link (`/tutorials/x#a`); `doc`: a relative link to another content document with an anchor. */
  kind: 'root' | 'doc';
  /** `root`: the path as written, without query and anchor; `doc`: the target document's file. */
  target: string;
  /** The `#anchor`, decoded, when there is one. */
  anchor: string | undefined;
  file: string;
  span: Span;
}

/** What the body of a document uses, for the item-level rules. */
export interface BodyUsage {
  /** Task names shown by task components, with where. */
  shownTasks: { name: string; file: string; span: Span }[];
  /** Links that point into other documents or at site pages. */
  links: LinkUse[];
}

/** Inputs of the document rules. */
export interface DocumentContext {
  item: ContentItem;
  doc: ContentDocument;
  /** Every file under the root. */
  files: Set<string>;
  /** Every folder that holds a file (for links to folders). */
  dirs: Set<string>;
  /** Task names of the item (the lesson's tasks for its units). */
  taskNames: Set<string>;
  /** Machine names of the playground, when it lists machines. */
  machines: Set<string> | undefined;
}

/** Reference map names normalised (`docker_101` and `docker-101` are the same name). */
export function normalizeName(name: string): string {
  return name.replaceAll('_', '-').toLowerCase();
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const SIMPLE_PROP_LINE = /^(?:\s*|:?[\w-]+:(?: (?!.*:\s)[^\s\[\]{}"'&*!|>%@`#,][^#\]\[{}]*)?)$/;

/**
 * One walk over the body: MDC components (names, props, slots, closing),
 * task components, cards, images (alt, assets) and relative links; plus the
 * front matter cover.
 */
export function checkDocumentBody(ctx: DocumentContext, r: Reporter): BodyUsage {
  const { doc } = ctx;
  const usage: BodyUsage = { shownTasks: [], links: [] };
  const file = doc.file.includes('#') ? doc.metaFile : doc.file;
  let lines: LineIndex | undefined;
  const lineText = (line: number): string => {
    lines ??= new LineIndex(doc.parsed.source);
    const s = lines.lineStart(line);
    const e = lines.starts[line] ?? doc.parsed.source.length + 1;
    return doc.parsed.source.slice(s, Math.max(s, e - 1));
  };
  const nameSpan = (n: MdNode): Span => {
    const p = n.position as Pos;
    const prefix = n.type === 'textComponent' ? 1 : Math.max(2, leadingColons(lineText(p.start.line).slice(p.start.column - 1)));
    return { start: { line: p.start.line, column: p.start.column }, end: { line: p.start.line, column: p.start.column + prefix + (n.name?.length ?? 0) } };
  };
  // Prop places come from the parse (the YAML block's node ranges, the
  // inline block's tokens), in the place the value is taken from.
  const locator = new PropLocator(doc.parsed.source);
  const propSpan = (n: MdNode, key: string, part: 'key' | 'value' = 'key'): Span => {
    const node = n as unknown as MdcComponentNode;
    return locator.place(node, key, readComponentProps(node).origin[key] ?? 'inline', part) ?? nameSpan(n);
  };

  const declared = (map: string, name: string): { found: boolean; lessons: string[] | undefined } => {
    for (const d of [doc, ctx.item.documents[0]]) {
      const m = d?.data?.[map];
      if (!m || typeof m !== 'object') continue;
      for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
        if (normalizeName(k) === normalizeName(name)) {
          const lessons = v && typeof v === 'object' && Array.isArray((v as { lessons?: unknown }).lessons) ? ((v as { lessons: string[] }).lessons) : undefined;
          return { found: true, lessons };
        }
      }
    }
    return { found: false, lessons: undefined };
  };

  const checkReference = (value: unknown, span: Span, lesson?: unknown): void => {
    if (typeof value !== 'string') return;
    const dot = value.indexOf('.');
    const map = dot === -1 ? '' : value.slice(0, dot);
    const name = dot === -1 ? value : value.slice(dot + 1);
    if (!Object.hasOwn(referenceKinds, map)) {
      r.report('lab:undeclared-reference', file, span, `"${value}" is not \`<map>.<name>\` with map one of ${Object.keys(referenceKinds).join(', ')}.${didYouMean(map, Object.keys(referenceKinds))}`, {
        expected: '<map>.<name>, e.g. tutorials.sample-tutorial',
        actual: value,
      });
      return;
    }
    const d = declared(map, name);
    if (!d.found) {
      r.report('lab:undeclared-reference', file, span, `"${value}" is not declared: add \`${name}: {}\` under \`${map}:\` in the front matter.`, {
        hint: `${map}:\n  ${name}: {}`,
      });
    } else if (typeof lesson === 'string' && d.lessons && !d.lessons.includes(lesson)) {
      r.report('lab:undeclared-reference', file, span, `Lesson "${lesson}" is not listed under \`${map}.${name}.lessons\` in the front matter.`);
    }
  };

  const checkAsset = (url: string, span: Span): void => {
    if (!url || SCHEME.test(url) || url.startsWith('/') || url.startsWith('#') || url.startsWith('//')) return;
    const clean = safeDecode(url.split('#')[0]?.split('?')[0] ?? '');
    if (!clean) return;
    const base = clean.startsWith('__static__/') ? ctx.item.dir : dirName(file);
    const target = resolvePosix(base, clean);
    if (target === undefined || !ctx.files.has(target)) {
      const isStatic = clean.startsWith('__static__/');
      r.report(isStatic ? 'lab:missing-asset' : 'lab:broken-link', file, span, isStatic ? `Missing asset "${clean}": no such file in the item's __static__ folder.` : `Broken link: "${clean}" does not exist.`, {
        ...(isStatic ? { hint: `Add ${resolvePosix(ctx.item.dir, clean) ?? clean} or fix the path.` } : {}),
      });
    }
  };

  // An image the sanitizer would drop (`javascript:`, `data:`...): the renderer leaves it out.
  const checkImage = (url: string, span: Span): void => {
    if (!url.trim()) return;
    if (SCHEME.test(url.trim()) && !safeUrl(url)) {
      r.report('lab:unsafe-url', file, span, `Image source "${url}" is not a relative path or an http(s) URL: the page leaves the image out.`);
      return;
    }
    checkAsset(url, span);
  };

  const checkLink = (url: string, span: Span): void => {
    if (!url || SCHEME.test(url) || url.startsWith('?') || url.startsWith('//')) return;
    const hashAt = url.indexOf('#');
    const anchor = hashAt === -1 ? undefined : safeDecodeComponent(url.slice(hashAt + 1)) || undefined;
    if (url.startsWith('#')) {
      if (anchor) checkAnchor(doc.parsed.mdast, anchor, span, file, r, 'this page');
      return;
    }
    if (url.startsWith('/')) {
      usage.links.push({ kind: 'root', target: url.split(/[?#]/)[0] ?? url, anchor, file, span });
      return;
    }
    const clean = safeDecode(url.split('#')[0]?.split('?')[0] ?? '');
    if (!clean) return;
    if (clean.startsWith('__static__/') || clean.startsWith('./__static__/')) return checkAsset(clean.replace(/^\.\//, ''), span);
    const target = resolvePosix(dirName(file), clean.replace(/\/$/, ''));
    if (target !== undefined && (ctx.files.has(target) || ctx.dirs.has(target))) {
      if (anchor) {
        const page = ctx.files.has(target) ? target : `${target}/index.md`;
        if (page === doc.file) checkAnchor(doc.parsed.mdast, anchor, span, file, r, 'this page');
        else if (page.endsWith('.md')) usage.links.push({ kind: 'doc', target: page, anchor, file, span });
      }
      return;
    }
    r.report('lab:broken-link', file, span, `Broken link: "${clean}" does not exist.`);
  };

  const spanOf = (n: MdNode): Span => {
    const p = n.position as Pos;
    return { start: { line: p.start.line, column: p.start.column }, end: { line: p.end.line, column: p.end.column } };
  };

  const visitComponent = (n: MdNode): void => {
    const name = n.name ?? '';
    const spec = getComponent(name);
    if (!spec) {
      r.report('lab:unknown-component', file, nameSpan(n), `Unknown component "${name}": Labkit shows its content as is.${didYouMean(name, Object.keys(componentRegistry))}`, {
        hint: n.type === 'textComponent' ? 'A colon before a word starts an inline component; escape it as `\\:` or put the text in backticks.' : undefined,
        unknown: `component ${name}`,
      });
      return;
    }
    if (n.type === 'containerComponent') {
      const p = n.position as Pos;
      // A closed block ends right after its `::` fence; an unclosed one runs
      // to the end of its parent (or the file) instead.
      if (!/^\s*:{2,}\s*$/.test(lineText(p.end.line).slice(0, p.end.column - 1))) {
        r.report('lab:unclosed-component', file, nameSpan(n), `Component "${name}" is not closed: add a \`::\` line after its content.`);
      }
    }
    // remark-mdc keeps whatever part of a props block parses and drops the
    // errors; parse the (small) block again to report them.
    if (n.rawData) {
      const yaml = n.rawData.replace(/\s-+\s*$/, '');
      // Lines like `:name: verify_file` (plain key, plain value) cannot fail
      // to parse; only re-parse blocks with anything else (lists, quotes...).
      if (yaml.trim() && !yaml.split('\n').every((l) => SIMPLE_PROP_LINE.test(l))) {
        const parsed = parseYaml(yaml);
        const err = parsed.errors[0];
        if (err) {
          const line = (n.position as Pos).start.line + 1 + (err.linePos?.[0].line ?? 1) - 1;
          r.report('lab:yaml-syntax', file, { start: { line, column: err.linePos?.[0].col ?? 1 }, end: { line, column: (err.linePos?.[0].col ?? 1) + 1 } }, `YAML syntax error in the props of "${name}": ${err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`);
        }
      }
    }
    const read = readComponentProps(n);
    const props = read.values;
    for (const key of read.conflicts) {
      const inline = locator.place(n as unknown as MdcComponentNode, key, 'inline', 'value');
      r.report('lab:component-prop', file, propSpan(n, key, 'value'), `Prop "${key}" of "${name}" is written twice, inline and in the YAML block: the YAML value is used${inline ? ` (the inline one is at ${inline.start.line}:${inline.start.column})` : ''}.`, {
        severity: 'warning',
        hint: 'Keep one of the two.',
      });
    }
    checkProps(spec, props, n, propSpan, nameSpan, r, file);
    // Slots.
    const tabNames = name === 'tabbed' && Array.isArray(props['tabs'])
      ? new Set((props['tabs'] as { name?: unknown }[]).map((t) => String(t?.name)))
      : undefined;
    for (const c of n.children ?? []) {
      if (c.type !== 'componentContainerSection' || !c.name || c.name === 'default') continue;
      const ok = tabNames ? tabNames.has(c.name) : spec.slots?.includes('*') || spec.slots?.includes(c.name);
      if (!ok) {
        const known = tabNames ? [...tabNames] : (spec.slots ?? []).filter((s) => s !== '*');
        const sp = spanOf(c);
        r.report('lab:unknown-slot', file, { start: { line: sp.start.line, column: Math.max(1, sp.start.column - 1) }, end: { line: sp.start.line, column: sp.start.column + c.name.length } }, `Component "${name}" has no slot "#${c.name}".${didYouMean(c.name, known)}`, {
          expected: known.length ? known.map((s) => '#' + s).join(', ') : 'no named slots',
        });
      }
    }
    // Tasks.
    if (spec.task) {
      const t = props['name'];
      if (typeof t === 'string' && t) {
        const span = propSpan(n, 'name', 'value');
        usage.shownTasks.push({ name: t, file, span });
        if (!ctx.taskNames.has(t)) {
          r.report('lab:unknown-task', file, span, `Task "${t}" is not defined in the front matter \`tasks\`.${didYouMean(t, ctx.taskNames)}`, {
            expected: ctx.taskNames.size ? [...ctx.taskNames].join(', ') : 'a task defined under `tasks:`',
            actual: t,
          });
        }
      }
    }
    // Cards and grids.
    for (const key of spec.referenceProps ?? []) {
      if (props[key] !== undefined) checkReference(props[key], propSpan(n, key, 'value'), props['lesson']);
    }
    if (name === 'grid' && Array.isArray(props['items'])) {
      const span = propSpan(n, 'items');
      for (const it of props['items'] as Record<string, unknown>[]) {
        if (!it || typeof it !== 'object') continue;
        for (const key of ['challenge', 'content', 'playground']) if (it[key] !== undefined) checkReference(it[key], span, it['lesson']);
      }
    }
    // Images.
    if (name === 'image-box') {
      if (typeof props['src'] === 'string') checkImage(props['src'], propSpan(n, 'src', 'value'));
      if (typeof props['alt'] !== 'string' || !props['alt'].trim()) {
        r.report('lab:image-alt', file, nameSpan(n), 'image-box without `alt` text: describe the image for screen readers.');
      }
    }
    if (name === 'slide-show' && Array.isArray(props['slides'])) {
      const span = propSpan(n, 'slides');
      for (const s of props['slides'] as Record<string, unknown>[]) {
        if (!s || typeof s !== 'object') continue;
        if (typeof s['image'] === 'string') checkImage(s['image'], span);
        if (typeof s['alt'] !== 'string' || !s['alt'].trim()) r.report('lab:image-alt', file, span, 'Slide without `alt` text: describe the image for screen readers.');
      }
    }
    // Machines named inline.
    if ((name === 'tab' || name === 'http-port') && ctx.machines && typeof props['machine'] === 'string' && !ctx.machines.has(props['machine'])) {
      r.report('lab:unknown-machine', file, propSpan(n, 'machine', 'value'), `Machine "${props['machine']}" is not in the playground's machines.${didYouMean(props['machine'], ctx.machines)}`, {
        expected: [...ctx.machines].join(', '),
      });
    }
  };

  const walk = (n: MdNode): void => {
    switch (n.type) {
      case 'containerComponent':
      case 'leafComponent':
      case 'textComponent':
        if (n.position) visitComponent(n);
        break;
      case 'image':
        if (n.position) {
          if (!n.alt || !n.alt.trim()) r.report('lab:image-alt', file, spanOf(n), 'Image without alt text: write `![what it shows](...)`.');
          if (n.url) checkImage(n.url, spanOf(n));
        }
        break;
      case 'link':
        if (n.position && n.url) checkLink(n.url, spanOf(n));
        break;
      case 'code':
      case 'inlineCode':
        return;
    }
    if (n.children) for (const c of n.children) walk(c);
  };
  walk(doc.parsed.mdast as unknown as MdNode);

  const cover = doc.data?.['cover'];
  if (typeof cover === 'string') checkAsset(cover, placeOf(doc, ['cover'], 'value'));
  return usage;
}

function leadingColons(s: string): number {
  let i = 0;
  while (s[i] === ':') i++;
  return i;
}

/**
 * `#anchor` against the heading ids the renderer gives `doc` (the same
 * slugger). A warning: the page still opens, it just does not scroll.
 */
export function checkAnchor(mdast: Root, anchor: string, span: Span, file: string, r: Reporter, where: string): void {
  const ids = headingIds(mdast);
  if (ids.has(anchor)) return;
  r.report('lab:broken-anchor', file, span, `No heading with the id "#${anchor}" on ${where}.${didYouMean(anchor, ids)}`, {
    expected: ids.size ? [...ids].slice(0, 12).map((i) => '#' + i).join(', ') : 'a `##`-`####` heading',
    actual: '#' + anchor,
  });
}

function safeDecodeComponent(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}

/** Props of a component node, read by the one props reader ({@link readComponentProps}: YAML block wins, `:` dropped). */
export function propsOf(n: { attributes?: Record<string, unknown>; fmAttributes?: Record<string, unknown>; rawData?: string }): Record<string, unknown> {
  return readComponentProps(n).values;
}

function checkProps(
  spec: ComponentSpec,
  props: Record<string, unknown>,
  n: MdNode,
  propSpan: (n: MdNode, key: string, part?: 'key' | 'value') => Span,
  nameSpan: (n: MdNode) => Span,
  r: Reporter,
  file: string,
): void {
  const known = Object.keys(spec.props);
  for (const [key, value] of Object.entries(props)) {
    const p = spec.props[key];
    if (!p) {
      // Plain HTML attributes (class, id, style) are passed through by MDC.
      if (key === 'class' || key === 'id' || key === 'style') continue;
      r.report('lab:component-prop', file, propSpan(n, key), `Component "${spec.name}" has no prop "${key}" that Labkit knows: kept as written.${didYouMean(key, known)}`, {
        severity: 'warning',
        expected: known.join(', '),
        unknown: `prop ${spec.name}.${key}`,
      });
      continue;
    }
    const problem = typeProblem(p.type, value, p.values);
    if (problem) {
      const actual = typeof value === 'string' ? value : JSON.stringify(value);
      // An unknown enum value or a loose boolean (`new="yes"`) still renders;
      // a list or a number that is not one does not.
      const open = problem.kind === 'value' || p.type === 'boolean';
      r.report('lab:component-prop', file, propSpan(n, key, 'value'), `Prop "${key}" of "${spec.name}" ${problem.message}.${open ? ' It is kept as written.' : ''}${problem.kind === 'value' && p.values ? didYouMean(String(value), p.values) : ''}`, {
        expected: p.values ? p.values.join(' | ') : p.type,
        actual,
        ...(open ? { severity: 'warning' as const } : {}),
        ...(problem.kind === 'value' ? { unknown: `value ${spec.name}.${key}: ${actual}` } : {}),
      });
    }
  }
  for (const [key, p] of Object.entries(spec.props)) {
    if (p.required && (props[key] === undefined || props[key] === '')) {
      const essential = ESSENTIAL_PROPS.has(`${spec.name}.${key}`) || (spec.task === true && key === 'name');
      r.report('lab:component-prop', file, nameSpan(n), `Component "${spec.name}" needs the prop "${key}": ${p.description}`, {
        expected: `${key}: <${p.type}>`,
        ...(essential ? {} : { severity: 'warning' as const }),
      });
    }
  }
}

/**
 * Required props without which a component certainly breaks (no image, no
 * port, nothing to show): an error when missing. Other required props (a
 * box's `summary`, a link's `text`) have a fallback: a warning.
 */
const ESSENTIAL_PROPS = new Set(['image-box.src', 'slide-show.slides', 'tabbed.tabs', 'grid.items', 'http-port.port']);

function typeProblem(type: string, value: unknown, values: readonly string[] | undefined): { kind: 'type' | 'value'; message: string } | undefined {
  const bad = (message: string) => ({ kind: 'type' as const, message });
  switch (type) {
    case 'string':
    case 'reference':
      if (typeof value !== 'string' && typeof value !== 'number') return bad(`must be a ${type === 'reference' ? '`<map>.<name>` reference' : 'string'}`);
      if (values && !values.includes(String(value))) return { kind: 'value', message: `is "${String(value)}", which Labkit does not know (it knows ${values.join(', ')})` };
      return undefined;
    case 'number':
      return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) ? undefined : bad('must be a number');
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' || value === '' ? undefined : bad('should be true or false');
    case 'array':
      if (Array.isArray(value)) return undefined;
      if (typeof value === 'string') {
        try {
          if (Array.isArray(JSON.parse(value))) return undefined;
        } catch {
          /* fall through */
        }
      }
      return bad('must be a list');
    case 'object':
      return value && typeof value === 'object' && !Array.isArray(value) ? undefined : bad('must be an object');
  }
  return undefined;
}
