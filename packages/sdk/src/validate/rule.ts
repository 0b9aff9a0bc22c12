import type { Image, Link } from 'mdast';
import type { ComponentSpec } from '../components/registry.ts';
import type { Span } from '../diagnostics/diagnostic.ts';
import type { LabRuleId } from '../diagnostics/rules.ts';
import type { Reporter } from '../diagnostics/reporter.ts';
import type { ContentDocument, ContentGraph, ContentItem } from '../graph/types.ts';
import type { ComponentProps, MdcComponentNode } from '../parse/mdc-props.ts';

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

/** What the body of a document uses, for the item and graph rules. */
export interface BodyUsage {
  /** Task names shown by task components, with where. */
  shownTasks: { name: string; file: string; span: Span }[];
  /** Links that point into other documents or at site pages. */
  links: LinkUse[];
}

/** One document, as every document rule sees it during the body walk. */
export interface DocumentContext {
  item: ContentItem;
  doc: ContentDocument;
  /** The file diagnostics name (a unit inside a TS file: its metadata file). */
  file: string;
  /** Every file under the root. */
  files: Set<string>;
  /** Every folder that holds a file (for links to folders). */
  dirs: Set<string>;
  /** Task names of the item (the lesson's tasks for its units). */
  taskNames: Set<string>;
  /** Machine names of the playground, when it lists machines. */
  machines: Set<string> | undefined;
  usage: BodyUsage;
  r: Reporter;
  /** `::name` (or `:name`) of a component, from its node's offsets. */
  nameSpan(node: MdcComponentNode): Span;
  /** Where a prop is written (key or value), from the YAML block's node ranges or the inline `{...}` tokens; the name when the parse gives no place. */
  propSpan(node: MdcComponentNode, key: string, part?: 'key' | 'value'): Span;
  /** Where a prop's value is written in the inline `{...}` block, if it is. */
  inlinePropSpan(node: MdcComponentNode, key: string): Span | undefined;
}

/** A component met in the body walk. */
export interface ComponentVisit {
  node: MdcComponentNode;
  name: string;
  /** Its catalogue entry; undefined for an unknown component. */
  spec: ComponentSpec | undefined;
  /** Its props, read the one way ({@link readComponentProps}). */
  props: ComponentProps;
}

/** What one rule looks at during a document's one body walk. */
export interface BodyVisitor {
  component?(c: ComponentVisit): void;
  image?(node: Image): void;
  link?(node: Link): void;
  /** After the walk. */
  end?(): void;
}

/**
 * A rule (or family of rules) over one document's body. The runner walks
 * each body once and calls every rule's visitor, so adding a rule adds no
 * walk. `document` may return nothing when the document cannot break it.
 */
export interface DocumentRule {
  /** The catalogue rules it reports. */
  readonly ids: readonly LabRuleId[];
  document(ctx: DocumentContext): BodyVisitor | undefined;
}

/** A rule over one item, after its documents were checked. */
export interface ItemRule {
  readonly ids: readonly LabRuleId[];
  item(item: ContentItem, usage: readonly BodyUsage[], r: Reporter): void;
}

/** A rule across items, run once per validation (kept linear through maps built once). */
export interface GraphRule {
  readonly ids: readonly LabRuleId[];
  graph(graph: ContentGraph, links: readonly LinkUse[], r: Reporter): void;
}

/** Start..end of an mdast node. */
export function spanOf(node: { position?: { start: { line: number; column: number }; end: { line: number; column: number } } | undefined }): Span {
  const p = node.position!;
  return { start: { line: p.start.line, column: p.start.column }, end: { line: p.end.line, column: p.end.column } };
}

/** Reference map names normalised (`docker_101` and `docker-101` are the same name). */
export function normalizeName(name: string): string {
  return name.replaceAll('_', '-').toLowerCase();
}
