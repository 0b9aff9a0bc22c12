import type { Element, ElementContent, Root as HastRoot, RootContent as HastContent } from 'hast';
import type { Root as MdastRoot, Code, Image, ImageReference, Link, LinkReference, Nodes as MdastNodes, Text } from 'mdast';
import { unified } from 'unified';
import remarkRehype, { type Options as RemarkRehypeOptions } from 'remark-rehype';
import rehypeSanitize from 'rehype-sanitize';
import { toHtml } from 'hast-util-to-html';
import { image, renderComponent, type ComponentContext } from './components.ts';
import { highlightCode, highlightCodeHtml } from './code-block.ts';
import { contentSanitizeSchema } from './sanitize-schema.ts';
import { h } from './hast-builders.ts';
import { readProps } from './component-props.ts';
import { HeadingSlugger } from './heading-ids.ts';
import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { bindingText, isMdcBinding, type MdcComponentNode, type MdcSectionNode as MdcSection } from '../parse/mdc-props.ts';
import type { RenderOptions, RenderedDocument, RenderedHeading, RenderedTask } from './render-options.ts';

type Handlers = NonNullable<RemarkRehypeOptions['handlers']>;
type State = Parameters<NonNullable<Handlers['paragraph']>>[0];
// remark-rehype's handler map only names core mdast nodes; MDC adds its own.
type AnyHandler = (state: State, node: never) => ElementContent | ElementContent[] | undefined;

interface PendingCode {
  node: Code;
}

/**
 * Renders one document's mdast (as parsed by the SDK: remark-parse +
 * remark-mdc, with positions) into sanitized HTML with every component of
 * the format. The mdast is not modified: the same tree serves validation.
 *
 * Order matters for safety: components are built, then the whole tree is
 * sanitized, then trusted decorations (Shiki's colour styles, validated
 * image sizes, heading ids) are added, so no author input skips the filter.
 */
export function renderDocument(root: MdastRoot, options: RenderOptions = {}): Promise<RenderedDocument> {
  return renderDocumentAs(root, options, 'spliced');
}

/**
 * How the highlighted figures get into the HTML: `spliced` (what
 * `renderDocument` does) serializes the tree with a comment in each
 * figure's place and puts in the figure's HTML, serialized once per process
 * (`highlightCodeHtml`); `tree` puts the figures themselves into the tree
 * and serializes the lot. Both give the same string (the render tests
 * compare them on real pages); `tree` is here to be compared with.
 */
export async function renderDocumentAs(root: MdastRoot, options: RenderOptions, figures: 'spliced' | 'tree'): Promise<RenderedDocument> {
  const collected: Collected = {
    tasks: [],
    diagnostics: [],
    islands: new Set<string>(),
    assets: [],
    missingAssets: [],
    codes: [],
    // A per-render nonce: an author who writes the placeholder attribute by
    // hand cannot address a code block.
    nonce: Math.random().toString(36).slice(2, 10),
  };
  // GFM footnotes: the sanitizer prefixes every id with `user-content-`, so
  // remark-rehype must not (ids would get it twice); their `#fn-1` hrefs get
  // it below, after sanitizing.
  const processor = unified().use(remarkRehype, { handlers: contentHandlers(collected, options) as Handlers, allowDangerousHtml: options.allowDangerousHtml === true, clobberPrefix: options.allowDangerousHtml ? 'user-content-' : '' });
  if (!options.allowDangerousHtml) processor.use(rehypeSanitize, contentSanitizeSchema);
  const hast = (await processor.run(root as never)) as HastRoot;
  const spliced: string[] | undefined = figures === 'spliced' ? [] : undefined;
  const headings = await decorate(hast, collected, options, spliced);
  let html = toHtml(hast, { allowDangerousHtml: options.allowDangerousHtml === true });
  // The marker carries the render's nonce, so only our comments match: the
  // sanitizer drops an author's comments, and with trusted HTML an author
  // cannot guess the nonce (the same guard as the placeholders').
  if (spliced?.length) html = html.replace(new RegExp(`<!--lk-figure ${collected.nonce} (\\d+)-->`, 'g'), (_, i: string) => spliced[Number(i)]!);
  return {
    html,
    headings,
    tasks: collected.tasks,
    assets: [...new Set(collected.assets)],
    missingAssets: [...new Set(collected.missingAssets)],
    diagnostics: collected.diagnostics,
    islands: [...collected.islands].sort(),
  };
}

/** What the handlers gather while the tree is converted. */
interface Collected {
  tasks: RenderedTask[];
  diagnostics: Diagnostic[];
  islands: Set<string>;
  assets: string[];
  missingAssets: string[];
  /** Code blocks, highlighted after sanitizing (their placeholders carry `nonce:index`). */
  codes: PendingCode[];
  nonce: string;
}

/** remark-rehype handlers for MDC components, images, links (assets and pages) and code placeholders. */
function contentHandlers(collected: Collected, options: RenderOptions): Record<string, AnyHandler> {
  const { tasks, diagnostics, islands, assets, missingAssets, codes, nonce } = collected;
  const component = (state: State, node: MdcComponentNode, inline: boolean): ElementContent | ElementContent[] => {
    const slots = new Map<string, ElementContent[]>();
    const defaultSlot: ElementContent[] = [];
    for (const child of node.children) {
      if ((child as MdastNodes).type === ('componentContainerSection' as never)) {
        const section = child as unknown as MdcSection;
        slots.set(section.name, state.all(section as never) as ElementContent[]);
      } else {
        defaultSlot.push(...(state.all({ type: 'root', children: [child] } as never) as ElementContent[]));
      }
    }
    const ctx: ComponentContext = {
      name: node.name,
      props: {},
      defaultSlot,
      slots,
      inline,
      options,
      tasks,
      diagnostics,
      islands,
      assets,
      missingAssets,
      ...(node.position ? { position: { line: node.position.start.line, column: node.position.start.column } } : {}),
    };
    ctx.props = readProps(node);
    return renderComponent(ctx);
  };

  const renderImage = (node: Image | ImageReference, url: string, title: string | null | undefined): ElementContent | ElementContent[] => {
    const pos = node.position ? { position: { line: node.position.start.line, column: node.position.start.column } } : {};
    const img = image({ assets, missingAssets, options, diagnostics, ...pos }, url, node.alt ?? '', title ? { title } : {});
    return img ?? [];
  };
  const renderLink = (state: State, node: Link | LinkReference, url: string, title: string | null | undefined): Element => {
    const a: Element = { type: 'element', tagName: 'a', properties: { href: url, ...(title ? { title } : {}) }, children: state.all(node as never) as ElementContent[] };
    const local = staticPath(url);
    if (local) {
      assets.push(local.path);
      const asset = options.resolveAsset?.(local.path);
      if (asset) a.properties['href'] = asset.url + local.suffix;
      else missingAssets.push(local.path);
    } else if (options.resolveLink && isRelativeLink(url)) {
      // `../other/index.md` is a file in the content folder; the site has its page.
      const page = options.resolveLink(url);
      if (page) a.properties['href'] = page;
    }
    state.patch(node as never, a);
    return state.applyData(node as never, a) as Element;
  };

  return {
    containerComponent: (state, node: MdcComponentNode) => component(state, node, false),
    leafComponent: (state, node: MdcComponentNode) => component(state, node, false),
    // An MDC binding (`{{ expr }}`) has no children: shown as written, never evaluated.
    textComponent: (state, node: MdcComponentNode) => (isMdcBinding(node) ? { type: 'text', value: bindingText(node) } : component(state, node, true)),
    componentContainerSection: (state, node: MdcSection) => state.all(node as never) as ElementContent[],
    // Plain Markdown images go through the same asset resolution as
    // image-box, so they get published URLs and a width/height too.
    image: (_state, node: Image) => renderImage(node, node.url, node.title),
    // `![alt][ref]` and `[text][ref]` with a `[ref]: url` definition: the
    // same resolution as their inline twins (mdast-util-to-hast's own
    // handlers would copy the definition's URL unrewritten).
    imageReference: (state, node: ImageReference) => {
      const def = state.definitionById.get(String(node.identifier).toUpperCase());
      return def ? renderImage(node, def.url, def.title) : revertReference(state, node);
    },
    linkReference: (state, node: LinkReference) => {
      const def = state.definitionById.get(String(node.identifier).toUpperCase());
      return def ? renderLink(state, node, def.url, def.title) : revertReference(state, node);
    },
    // Links to `__static__` files (a download, a script) are assets too:
    // they get the published URL, like images, and the file is copied.
    link: (state, node: Link) => renderLink(state, node, node.url, node.title),
    code: (_state, node: Code) => {
      codes.push({ node });
      islands.add('copy');
      return h('pre', { dataLkCode: `${nonce}:${codes.length - 1}` });
    },
  };
}

/**
 * The trusted decorations, on the sanitized tree: task titles from the
 * heading above, footnote hrefs, highlighted code in place of its
 * placeholders, image-box styles and heading ids. Returns the headings.
 */
async function decorate(hast: HastRoot, collected: Collected, options: RenderOptions, spliced: string[] | undefined): Promise<RenderedHeading[]> {
  const { codes, nonce } = collected;
  const headings: RenderedHeading[] = [];
  const slugger = new HeadingSlugger();
  const pending: Array<Promise<void>> = [];
  let lastHeading = '';
  walk(hast, (el, parent, index) => {
    if (el.properties['dataLkTaskTitle'] !== undefined) {
      // A task without a `title` prop is named after the heading above it.
      delete el.properties['dataLkTaskTitle'];
      if (lastHeading) el.children = [{ type: 'text', value: lastHeading }];
      else parent.children.splice(parent.children.indexOf(el), 1);
      return;
    }
    if (el.tagName === 'a' && (el.properties['dataFootnoteRef'] !== undefined || el.properties['dataFootnoteBackref'] !== undefined)) {
      const href = el.properties['href'];
      if (!options.allowDangerousHtml && typeof href === 'string' && href.startsWith('#')) el.properties['href'] = '#user-content-' + href.slice(1);
      return;
    }
    // The footnotes' own "Footnotes" heading keeps its id (the references'
    // aria-describedby) and stays out of the table of contents.
    if (inFootnotes(parent) && /^h[2-4]$/.test(el.tagName)) return;
    const codeRef = el.properties['dataLkCode'];
    if (typeof codeRef === 'string') {
      const [n, i] = codeRef.split(':');
      const code = n === nonce ? codes[Number(i)] : undefined;
      if (!code) {
        parent.children.splice(index, 1);
        return;
      }
      if (spliced) {
        // The figure's HTML goes in after serializing, in this comment's place.
        parent.children[index] = { type: 'comment', value: `lk-figure ${nonce} ${i}` };
        pending.push(highlightCodeHtml(code.node.value, code.node.lang, code.node.meta).then((html) => void (spliced[Number(i)] = html)));
        return;
      }
      pending.push(highlightCode(code.node.value, code.node.lang, code.node.meta).then((fig) => {
        parent.children[parent.children.indexOf(el)] = fig;
      }));
      return;
    }
    const style = el.properties['dataLkStyle'];
    if (typeof style === 'string') {
      // Only our image-box sets this, from values that passed safeCssLength.
      el.properties['style'] = style;
      delete el.properties['dataLkStyle'];
    }
    if (/^h[2-4]$/.test(el.tagName)) {
      const text = textOf(el);
      const id = slugger.slug(text);
      el.properties['id'] = id;
      headings.push({ depth: Number(el.tagName[1]), id, text });
      lastHeading = text;
    }
  });
  await Promise.all(pending);
  return headings;
}

type ParentNode = HastRoot | Element;

/** A reference with no definition stays the text the author wrote (what mdast-util-to-hast does). */
function revertReference(state: State, node: LinkReference | ImageReference): ElementContent[] {
  const suffix = node.referenceType === 'collapsed' ? '[]' : node.referenceType === 'full' ? `[${node.label ?? node.identifier}]` : '';
  if (node.type === 'imageReference') return [{ type: 'text', value: `![${node.alt ?? ''}]${suffix}` }];
  const text = (value: string): Text => ({ type: 'text', value });
  return state.all({ type: 'paragraph', children: [text('['), ...node.children, text(']' + suffix)] } as never) as ElementContent[];
}

/** A link relative to the document (`other.md`, `../x/`), not `#x`, `/x`, `//x` or `scheme:`. */
function isRelativeLink(url: string): boolean {
  return url !== '' && !/^(?:[a-z][a-z0-9+.-]*:|\/|#|\?)/i.test(url);
}

/** `__static__/app.tar.gz?x#y` (or `./__static__/...`) → the path and what follows it. */
function staticPath(url: string): { path: string; suffix: string } | undefined {
  const m = /^(?:\.\/)?(__static__\/[^?#]+)(.*)$/.exec(url);
  if (!m) return undefined;
  let path = m[1]!;
  try {
    path = decodeURI(path);
  } catch {
    // keep it as written
  }
  return { path, suffix: m[2] ?? '' };
}

function inFootnotes(parent: ParentNode): boolean {
  return parent.type === 'element' && parent.tagName === 'section' && parent.properties['dataFootnotes'] !== undefined;
}

function walk(node: ParentNode, visit: (el: Element, parent: ParentNode, index: number) => void): void {
  // Iterate over a copy: `visit` may replace or remove the current child.
  for (const [index, child] of [...node.children].entries()) {
    if (child.type !== 'element') continue;
    visit(child, node, node.children.indexOf(child) === -1 ? index : node.children.indexOf(child));
    if (node.children.includes(child as HastContent & Element)) walk(child, visit);
  }
}

function textOf(node: ElementContent | HastRoot): string {
  if (node.type === 'text') return node.value;
  if ('children' in node) return node.children.map((c) => textOf(c as ElementContent)).join('');
  return '';
}
