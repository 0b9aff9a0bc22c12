import type { Element, ElementContent } from 'hast';
import type { Nodes as MdastNodes } from 'mdast';
import type { Diagnostic, Severity } from '../diagnostics/diagnostic.ts';
import { rules, type LabRuleId } from '../diagnostics/rules.ts';
import { referenceKinds } from '../schemas/references.ts';
import type { CardReference, CardTarget, RenderOptions, RenderedTask } from './render-options.ts';
import { h } from './hast-builders.ts';
import { renderQuiz } from './quiz.ts';
import { propList, propString, readProps, safeCssLength, safeUrl, type Props } from './component-props.ts';

/** The components of the iximiuz format that the renderer knows. */
export const KNOWN_COMPONENTS = [
  'simple-task', 'user-input-task', 'hint-box', 'details-box', 'remark-box',
  'image-box', 'slide-show', 'tabbed', 'card', 'grid', 'highlight', 'tab', 'http-port', 'quiz',
] as const;

/** What a component handler gets: its props, its slots as hast, and helpers. */
export interface ComponentContext {
  name: string;
  props: Props;
  /** Children outside any `#slot` section. */
  defaultSlot: ElementContent[];
  /** `#active`, `#completed`, `#<tab name>`... in document order. */
  slots: Map<string, ElementContent[]>;
  inline: boolean;
  position?: { line: number; column: number };
  options: RenderOptions;
  tasks: RenderedTask[];
  diagnostics: Diagnostic[];
  islands: Set<string>;
  assets: string[];
  missingAssets: string[];
}

type Handler = (ctx: ComponentContext) => ElementContent | ElementContent[];

/**
 * A problem met while rendering, under the catalogue rule (and severity)
 * the validator reports the same problem with.
 */
function report(ctx: Pick<ComponentContext, 'diagnostics' | 'position' | 'options'>, ruleId: LabRuleId, message: string, severity: Severity = rules[ruleId].severity): void {
  const at = ctx.position ?? { line: 1, column: 1 };
  ctx.diagnostics.push({ file: ctx.options.file ?? '', span: { start: at, end: at }, ruleId, severity, message });
}

export function image(ctx: Pick<ComponentContext, 'assets' | 'missingAssets' | 'options' | 'diagnostics' | 'position'>, src: string | undefined, alt: string, extra: Record<string, unknown> = {}): Element | undefined {
  if (!src) return undefined;
  // External (`https://...`, `//cdn`) and site-absolute images are not assets.
  const external = /^(?:[a-z][a-z0-9+.-]*:|\/)/i.test(src.trim());
  if (!external) ctx.assets.push(src);
  const asset = external ? undefined : ctx.options.resolveAsset?.(src);
  if (!asset && !external) ctx.missingAssets.push(src);
  const url = asset ? asset.url : safeUrl(src);
  if (!url) {
    report(ctx, 'lab:unsafe-url', `Image source "${src}" is not a relative path or an http(s) URL.`);
    return undefined;
  }
  return h('img', { src: url, alt, loading: 'lazy', decoding: 'async', ...(asset?.width ? { width: asset.width, height: asset.height } : {}), ...extra });
}

function task(kind: 'simple-task' | 'user-input-task'): Handler {
  return (ctx) => {
    const name = propString(ctx.props, 'name') ?? '';
    if (!name) report(ctx, 'lab:component-prop', `${kind} has no :name prop.`);
    ctx.tasks.push({ name, component: kind });
    ctx.islands.add('tasks');
    const active = ctx.slots.get('active') ?? ctx.defaultSlot;
    const completed = ctx.slots.get('completed') ?? [h('p', {}, ['Done.'])];
    // Learners see what the author wrote, never the task's internal name: the
    // `title` prop, else the heading the task sits under (filled in by
    // renderDocument, which walks the page in order).
    const title = propString(ctx.props, 'title');
    const body: Array<Element | undefined> = [
      h('div', { className: ['lk-task-head'] }, [
        h('span', { className: ['lk-task-status'], ariaHidden: 'true' }),
        h('span', { className: ['lk-task-label'] }, [kind === 'user-input-task' ? 'Answer' : 'Task']),
        h('strong', { className: ['lk-task-title'], ...(title ? {} : { dataLkTaskTitle: '' }) }, title ? [title] : []),
        h('span', { className: ['lk-task-state'] }, ['Checked in the playground']),
      ]),
      h('div', { className: ['lk-task-active'] }, active),
      h('div', { className: ['lk-task-completed'] }, completed),
    ];
    if (kind === 'user-input-task') {
      const pattern = propString(ctx.props, 'validateRegex');
      body.push(
        h('form', { className: ['lk-task-form'] }, [
          h('input', { type: 'text', className: ['lk-task-input'], placeholder: 'Your answer', autocomplete: 'off', spellcheck: 'false', ariaLabel: title ? `Answer: ${title}` : 'Your answer', ...(pattern ? { dataPattern: pattern } : {}) }),
          h('button', { type: 'submit', className: ['lk-btn'] }, ['Submit']),
        ]),
      );
    }
    // Every task has a check (`run` is required): it completes only when the
    // check passes in a playground, never by a learner's click.
    return h('section', { className: ['lk-task'], dataTask: name, dataTaskKind: kind, dataState: 'active' }, body);
  };
}

function collapsible(className: string, defaultSummary: string): Handler {
  return (ctx) =>
    h('details', { className: [className] }, [
      h('summary', {}, [propString(ctx.props, 'summary') ?? propString(ctx.props, 'title') ?? defaultSummary]),
      h('div', { className: ['lk-collapsible-body'] }, ctx.defaultSlot),
    ]);
}

const REMARK_KINDS = new Set(['info', 'warning', 'error']);
const HIGHLIGHT_COLORS = new Set(['yellow', 'green', 'blue', 'red', 'purple']);

function card(ctx: ComponentContext, prop: string, value: string): Element {
  const [collection = '', ...rest] = value.split('.');
  const ref: CardReference = { prop, collection, name: rest.join('.') || collection };
  const target: CardTarget | undefined = ctx.options.resolveCard?.(ref);
  if (!target) {
    // As the validator: roadmaps and playgrounds are never content of this
    // repository, so their cards are not findings; others are info.
    const kind = Object.hasOwn(referenceKinds, collection) ? referenceKinds[collection as keyof typeof referenceKinds] : undefined;
    if (kind !== 'roadmap' && kind !== 'playground') report(ctx, 'lab:missing-reference', `Card "${value}" points to nothing on this site.`);
    return h('div', { className: ['lk-card', 'lk-card-missing'], dataKind: prop }, [
      h('span', { className: ['lk-card-kind'] }, [prop === 'content' ? collection.replace(/s$/, '') : prop]),
      h('strong', { className: ['lk-card-title'] }, [ref.name]),
      h('span', { className: ['lk-card-desc'] }, ['Not part of this site.']),
    ]);
  }
  const cover = target.cover ? h('img', { src: target.cover.url, alt: '', loading: 'lazy', decoding: 'async', className: ['lk-card-cover'], ...(target.cover.width ? { width: target.cover.width, height: target.cover.height } : {}) }) : undefined;
  const inner = [
    cover,
    h('span', { className: ['lk-card-body'] }, [
      h('span', { className: ['lk-card-kind'] }, [target.kind.replace('-', ' ')]),
      h('strong', { className: ['lk-card-title'] }, [target.title]),
      target.description ? h('span', { className: ['lk-card-desc'] }, [target.description]) : undefined,
      target.difficulty ? h('span', { className: ['lk-badge', `lk-badge-${target.difficulty}`] }, [target.difficulty]) : undefined,
    ]),
  ];
  return target.url
    ? h('a', { className: ['lk-card', `lk-card-${target.kind}`], href: target.url, dataKind: target.kind }, inner)
    : h('div', { className: ['lk-card', `lk-card-${target.kind}`], dataKind: target.kind }, inner);
}

const CARD_PROPS = ['challenge', 'content', 'tutorial', 'playground', 'course', 'skill-path', 'roadmap'];

const handlers: Record<string, Handler> = {
  'simple-task': task('simple-task'),
  'user-input-task': task('user-input-task'),
  quiz: renderQuiz,
  'hint-box': collapsible('lk-hint', 'Hint'),
  'details-box': collapsible('lk-details', 'Details'),
  'remark-box': (ctx) => {
    let kind = propString(ctx.props, 'kind') ?? 'info';
    if (!REMARK_KINDS.has(kind)) {
      report(ctx, 'lab:component-prop', `remark-box kind "${kind}" is not one of info, warning, error.`, 'warning');
      kind = 'info';
    }
    return h('aside', { className: ['lk-remark', `lk-remark-${kind}`], role: kind === 'info' ? 'note' : 'alert', dataKind: kind }, ctx.defaultSlot);
  },
  'image-box': (ctx) => {
    const img = image(ctx, propString(ctx.props, 'src'), propString(ctx.props, 'alt') ?? '');
    const float = propString(ctx.props, 'float');
    const style: string[] = [];
    const maxWidth = safeCssLength(propString(ctx.props, 'max-width'));
    if (maxWidth) style.push(`max-width:${maxWidth}`);
    const margin = safeCssLength(propString(ctx.props, 'margin'));
    if (margin) style.push(`margin:${margin}`);
    const padding = safeCssLength(propString(ctx.props, 'padding'));
    if (padding) style.push(`padding:${padding}`);
    // SVGs get no zoom link: they scale anyway, and opened on their own they
    // are documents on the site's origin (published with Content-Disposition:
    // attachment), so they are only ever shown through <img>.
    const src = img ? String(img.properties['src']) : undefined;
    const href = src && !/\.svg(?:[?#]|$)/i.test(src) ? src : undefined;
    return h('figure', { className: ['lk-image', ...(float === 'left' || float === 'right' ? [`lk-float-${float}`] : [])], ...(style.length ? { dataLkStyle: style.join(';') } : {}) }, [
      img && href ? h('a', { href, className: ['lk-zoom'], target: '_blank', rel: ['noopener'], ariaLabel: 'Open full-size image' }, [img]) : img,
      ctx.defaultSlot.length ? h('figcaption', {}, ctx.defaultSlot) : undefined,
    ]);
  },
  'slide-show': (ctx) => {
    ctx.islands.add('slides');
    const slides = propList(ctx.props, 'slides').filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
    if (!slides.length) report(ctx, 'lab:component-prop', 'slide-show has no slides.');
    return h('div', { className: ['lk-slides'], dataSlides: '', role: 'region', ariaLabel: 'Slide show' }, [
      // Focusable, so keyboard users can scroll the strip with the arrow keys.
      h('div', { className: ['lk-slides-track'], tabIndex: 0 }, slides.map((s, i) =>
        h('figure', { className: ['lk-slide'], dataSlide: String(i) }, [
          image(ctx, typeof s['image'] === 'string' ? s['image'] : undefined, typeof s['alt'] === 'string' ? s['alt'] : ''),
          typeof s['alt'] === 'string' ? h('figcaption', {}, [`${i + 1} / ${slides.length} · ${s['alt']}`]) : undefined,
        ]),
      )),
    ]);
  },
  tabbed: (ctx) => {
    ctx.islands.add('tabs');
    const declared = propList(ctx.props, 'tabs').filter((t): t is Record<string, unknown> => typeof t === 'object' && t !== null);
    const tabs = declared.length
      ? declared.map((t) => ({ name: String(t['name'] ?? ''), title: String(t['title'] ?? t['name'] ?? '') }))
      : [...ctx.slots.keys()].map((name) => ({ name, title: name }));
    for (const t of tabs) if (!ctx.slots.has(t.name)) report(ctx, 'lab:component-prop', `tabbed declares tab "${t.name}" but has no #${t.name} section.`, 'warning');
    const group = propString(ctx.props, 'group') ?? tabs.map((t) => t.name).join('|');
    return h('div', { className: ['lk-tabs'], dataTabs: '', dataGroup: group }, [
      h('div', { className: ['lk-tablist'], role: 'tablist' }, tabs.map((t, i) =>
        h('button', { type: 'button', role: 'tab', className: ['lk-tab'], dataTab: t.name, ariaSelected: i === 0 ? 'true' : 'false', tabIndex: i === 0 ? 0 : -1 }, [t.title]),
      )),
      ...tabs.map((t, i) =>
        h('div', { className: ['lk-tabpanel'], role: 'tabpanel', dataTab: t.name, dataState: i === 0 ? 'active' : 'inactive', ariaLabel: t.title }, [
          h('p', { className: ['lk-tabpanel-title'] }, [t.title]),
          ...(ctx.slots.get(t.name) ?? []),
        ]),
      ),
    ]);
  },
  card: (ctx) => {
    for (const prop of CARD_PROPS) {
      const v = propString(ctx.props, prop);
      if (v) return card(ctx, prop, v);
    }
    report(ctx, 'lab:component-prop', 'card needs one of :challenge, :content or :playground.', 'warning');
    return h('div', { className: ['lk-card', 'lk-card-missing'] }, ctx.defaultSlot);
  },
  grid: (ctx) => {
    const items = propList(ctx.props, 'items').filter((t): t is Record<string, unknown> => typeof t === 'object' && t !== null);
    return h('div', { className: ['lk-grid'] }, [
      ...items.map((item) => {
        const entry = Object.entries(item).find(([k, v]) => CARD_PROPS.includes(k) && typeof v === 'string');
        return entry ? card(ctx, entry[0], String(entry[1])) : h('div', { className: ['lk-card', 'lk-card-missing'] }, ['Empty grid item']);
      }),
      ...ctx.defaultSlot,
    ]);
  },
  // Playground-bound inline components: without a running playground they
  // are labelled chips, so the sentence around them still reads.
  tab: (ctx) =>
    h('span', { className: ['lk-chip', 'lk-chip-tab'], title: 'Playground tab' }, [propString(ctx.props, 'text') ?? propString(ctx.props, 'name') ?? propString(ctx.props, 'machine') ?? 'tab']),
  'http-port': (ctx) => {
    const port = propString(ctx.props, 'port');
    return h('span', { className: ['lk-chip', 'lk-chip-port'], title: port ? `Playground port ${port}` : 'Playground port' }, [
      propString(ctx.props, 'text') ?? `port ${port ?? ''}`,
      port ? h('small', {}, [` :${port}`]) : undefined,
    ]);
  },
  highlight: (ctx) => {
    // A colour name from a fixed palette becomes a class: never a raw style.
    const color = propString(ctx.props, 'color');
    const tone = color && HIGHLIGHT_COLORS.has(color) ? [`lk-highlight-${color}`] : [];
    return ctx.inline ? h('mark', { className: ['lk-highlight', ...tone] }, ctx.defaultSlot) : h('div', { className: ['lk-highlight-block', ...tone] }, ctx.defaultSlot);
  },
};

export function renderComponent(ctx: ComponentContext): ElementContent | ElementContent[] {
  const handler = handlers[ctx.name];
  if (handler) return handler(ctx);
  report(ctx, 'lab:unknown-component', `Unknown component "${ctx.name}": its content is shown as is.`);
  const content = [...ctx.defaultSlot, ...[...ctx.slots.values()].flat()];
  const text = propString(ctx.props, 'text');
  if (ctx.inline) return content.length || !text ? content : [{ type: 'text', value: text }];
  return h('div', { className: ['lk-unknown'], dataComponent: ctx.name }, [
    ctx.options.preview ? h('p', { className: ['lk-unknown-notice'], role: 'note' }, [`Unknown component “${ctx.name}”: showing its content only.`]) : undefined,
    ...content,
  ]);
}

export type { MdastNodes };
