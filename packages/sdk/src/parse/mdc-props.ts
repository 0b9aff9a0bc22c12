import type { Parent } from 'mdast';
import { isMap, isScalar, parseDocument as parseYamlDocument, type Node as YamlNode } from 'yaml';
import type { Span } from '../diagnostics/diagnostic.ts';
import { LineIndex } from './line-index.ts';

/**
 * MDC component nodes as remark-mdc 3 puts them in the mdast. remark-mdc
 * ships no typings for its nodes (only `hName`/`hProperties` on `Data`), so
 * this is the one description of them in Labkit: the renderer and the rules
 * import it from here.
 */
export interface MdcComponentNode extends Parent {
  type: 'containerComponent' | 'leafComponent' | 'textComponent';
  /** Component name as written (`image-box`). */
  name: string;
  /** Inline props, `{src="x" :max-width="600px"}`, keys as written. */
  attributes?: Record<string, unknown>;
  /** YAML-block props (`---\n:src: x\n---`), keys as written; set by remark-mdc's transform. */
  fmAttributes?: Record<string, unknown>;
  /** The YAML block's raw text, from the newline after its opening `---` to its closing `---`. */
  rawData?: string;
}

/** A `#slot` section of a block component. */
export interface MdcSectionNode extends Parent {
  type: 'componentContainerSection';
  name: string;
}

/** Where a prop's value was written. */
/**
 * remark-mdc reads `{{ expr }}` as an MDC binding: a `textComponent` named
 * `binding` with the expression in `attributes.value` and, unlike every
 * component, no `children` (Killercoda's `{{exec}}` markers parse this way).
 * Labkit does not evaluate bindings: they are shown as written.
 */
export function isMdcBinding(node: { type: string; name?: string; children?: unknown }): boolean {
  return node.type === 'textComponent' && node.name === 'binding' && !Array.isArray(node.children);
}

/** The text a binding is shown as: `{{ expr }}`. */
export function bindingText(node: { attributes?: Record<string, unknown> }): string {
  const value = node.attributes?.['value'];
  return typeof value === 'string' && value !== '' ? `{{ ${value} }}` : '{{}}';
}

export type PropOrigin = 'inline' | 'yaml';

/** A component's props, read the one way Labkit reads them. */
export interface ComponentProps {
  /** Props by name without the binding colon (`:src` → `src`). */
  values: Record<string, unknown>;
  /** Where each value in `values` comes from. */
  origin: Record<string, PropOrigin>;
  /** Props written both inline and in the YAML block with different values (the YAML value is used). */
  conflicts: string[];
}

/**
 * THE props reader, used by every validation rule and by the renderer.
 *
 * The rule is remark-mdc's own (its transform builds `hProperties` as
 * `{ ...attributes, ...fmAttributes }`, and the platform renders those):
 *
 * - inline props and YAML-block props are merged; when one prop is in both,
 *   the YAML block wins;
 * - a leading `:` (MDC's "bind as data") is not part of the name: `:src` and
 *   `src` are one prop; written both ways in one place, the later one wins.
 */
export function readComponentProps(node: Pick<MdcComponentNode, 'attributes' | 'fmAttributes' | 'rawData'>): ComponentProps {
  const values: Record<string, unknown> = {};
  const origin: Record<string, PropOrigin> = {};
  const conflicts: string[] = [];
  const fm = node.fmAttributes ?? yamlProps(node.rawData);
  for (const [from, source] of [['inline', node.attributes], ['yaml', fm]] as const) {
    if (!source) continue;
    for (const [key, value] of Object.entries(source)) {
      const name = key.startsWith(':') ? key.slice(1) : key;
      if (from === 'yaml' && origin[name] === 'inline' && !sameValue(values[name], value) && !conflicts.includes(name)) conflicts.push(name);
      values[name] = value;
      origin[name] = from;
    }
  }
  return { values, origin, conflicts };
}

function yamlProps(raw: string | undefined): Record<string, unknown> | undefined {
  if (!raw) return undefined;
  try {
    const v: unknown = parseYamlDocument(raw.replace(/\s-+\s*$/, '')).toJS();
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Inline props are strings; `{port=8080}` and `port: 8080` are the same value.
  if ((typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'string' || typeof b === 'number' || typeof b === 'boolean')) return String(a) === String(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Key and value places of one prop occurrence. */
interface PropPlace {
  key: Span;
  value?: Span;
}

/**
 * Places of a component's props in its file, found from the parse: the YAML
 * block is re-parsed with the `yaml` library (its node ranges), the inline
 * `{...}` block is tokenised from the component's own offsets. Built on
 * demand: only a component with a problem pays for it.
 */
export class PropLocator {
  private cache = new WeakMap<object, { inline: Map<string, PropPlace>; yaml: Map<string, PropPlace> }>();
  private lines: LineIndex | undefined;

  private readonly source: string;

  constructor(source: string) {
    this.source = source;
  }

  /**
   * Where prop `name` of `node` is written, in the place its value is taken
   * from (`origin`): the key, or the value when `part` is `value` and the
   * value is there to point at. `undefined` when the parse gives no place
   * (a component inside a list item whose YAML block is re-indented).
   */
  place(node: MdcComponentNode, name: string, origin: PropOrigin, part: 'key' | 'value' = 'key'): Span | undefined {
    const places = this.placesOf(node);
    const p = places[origin].get(name) ?? places[origin === 'yaml' ? 'inline' : 'yaml'].get(name);
    if (!p) return undefined;
    return part === 'value' ? (p.value ?? p.key) : p.key;
  }

  private placesOf(node: MdcComponentNode) {
    let hit = this.cache.get(node);
    if (!hit) {
      hit = { inline: this.inlinePlaces(node), yaml: this.yamlPlaces(node) };
      this.cache.set(node, hit);
    }
    return hit;
  }

  private index(): LineIndex {
    return (this.lines ??= new LineIndex(this.source));
  }

  private yamlPlaces(node: MdcComponentNode): Map<string, PropPlace> {
    const out = new Map<string, PropPlace>();
    const start = node.position?.start.offset;
    if (!node.rawData || start === undefined) return out;
    const base = this.source.indexOf(node.rawData, start);
    if (base === -1) return out;
    const span = (r: readonly [number, number]): Span => this.index().span(base + r[0], base + r[1]);
    for (const p of yamlPropRanges(node.rawData)) out.set(p.name, p.value ? { key: span(p.key), value: span(p.value) } : { key: span(p.key) });
    return out;
  }

  private inlinePlaces(node: MdcComponentNode): Map<string, PropPlace> {
    const out = new Map<string, PropPlace>();
    const start = node.position?.start.offset;
    if (start === undefined) return out;
    const src = this.source;
    let i = start;
    while (src[i] === ':') i++;
    i += node.name.length;
    // A text component's label comes before its props: `:name[label]{...}`.
    if (src[i] === '[') {
      let depth = 0;
      for (; i < src.length; i++) {
        if (src[i] === '\\') i++;
        else if (src[i] === '[') depth++;
        else if (src[i] === ']' && --depth === 0) {
          i++;
          break;
        }
      }
    }
    if (src[i] !== '{') return out;
    i++;
    const end = src.indexOf('}', i) === -1 ? src.length : undefined;
    for (;;) {
      while (i < src.length && /\s/.test(src[i]!)) i++;
      if (i >= src.length || src[i] === '}' || (end !== undefined && i >= end)) break;
      const keyStart = i;
      while (i < src.length && !/[\s=}]/.test(src[i]!)) i++;
      if (i === keyStart) break;
      const rawKey = src.slice(keyStart, i);
      const place: PropPlace = { key: this.index().span(keyStart + (rawKey.startsWith(':') ? 1 : 0), i) };
      if (src[i] === '=') {
        i++;
        const q = src[i];
        const valueStart = i;
        if (q === '"' || q === "'") {
          const close = src.indexOf(q, i + 1);
          i = close === -1 ? src.length : close + 1;
        } else {
          while (i < src.length && !/[\s}]/.test(src[i]!)) i++;
        }
        // The value as written, quotes included (as the YAML ranges are).
        place.value = this.index().span(valueStart, i);
      }
      // `#id` and `.class` shortcuts are not named props.
      if (!rawKey.startsWith('#') && !rawKey.startsWith('.')) out.set(rawKey.replace(/^:/, ''), place);
    }
    return out;
  }
}

/** A YAML prop block's keys and values as offsets into the block's raw text. */
interface YamlPropRange {
  name: string;
  key: readonly [number, number];
  value?: readonly [number, number];
}

/**
 * The ranges of {@link yamlPropRanges} by raw YAML text, most recently used
 * last. A save in `lab dev` runs the rules of the changed page again, and
 * each rule that reports a component's prop asks where it is: the block's
 * YAML was parsed again for every such component on every save. Offsets
 * are relative to the block, so a block that moved with the text above it
 * is still a hit. Bounded: the oldest entries go past the limit.
 */
const yamlRanges = new Map<string, readonly YamlPropRange[]>();
const YAML_RANGES_MAX = 2000;

/** Empties the cache of YAML prop ranges (tests compare it with a cold parse). */
export function clearPropPlaceCache(): void {
  yamlRanges.clear();
}

/** The keys (and values) of a component's YAML prop block, as offsets into `raw`; cached by `raw`. */
function yamlPropRanges(raw: string): readonly YamlPropRange[] {
  const hit = yamlRanges.get(raw);
  if (hit) {
    yamlRanges.delete(raw);
    yamlRanges.set(raw, hit);
    return hit;
  }
  const out: YamlPropRange[] = [];
  const doc = parseYamlDocument(raw.replace(/\s-+\s*$/, ''), { keepSourceTokens: false });
  if (isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const k = pair.key;
      if (!isScalar(k) || !k.range) continue;
      const v = pair.value as YamlNode | null;
      const name = String(k.value).replace(/^:/, '');
      out.push(v?.range ? { name, key: [k.range[0], k.range[1]], value: [v.range[0], v.range[1]] } : { name, key: [k.range[0], k.range[1]] });
    }
  }
  yamlRanges.set(raw, out);
  if (yamlRanges.size > YAML_RANGES_MAX) yamlRanges.delete(yamlRanges.keys().next().value as string);
  return out;
}

/** Props of a component node, read by the one props reader ({@link readComponentProps}: YAML block wins, `:` dropped). */
export function propsOf(n: Pick<MdcComponentNode, 'attributes' | 'fmAttributes' | 'rawData'>): Record<string, unknown> {
  return readComponentProps(n).values;
}
