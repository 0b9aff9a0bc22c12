import type { Root } from 'mdast';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.ts';
import type { ParsedDocument } from '../parse/parse-document.ts';
import type { ContentKind } from '../schemas/content.ts';
import type { Playground } from '../schemas/playground.ts';
import type { ReferenceKey } from '../schemas/references.ts';
import type { Task } from '../schemas/task.ts';

/** Kinds of item in the graph (units are documents of their parent item). */
export type ItemKind = Exclude<ContentKind, 'unit'>;

/** What a document is within its item. */
export type DocumentRole = 'index' | 'unit' | 'solution';

/** One file of an item, parsed. */
export interface ContentDocument {
  /** File holding the body, relative to the content root (POSIX); mdast positions are its lines. */
  file: string;
  /** File holding the metadata: the same Markdown file, or the `.lab.ts`. */
  metaFile: string;
  role: DocumentRole;
  /** `kind` the document declares (units: `unit`; solutions: undefined). */
  kind: ContentKind | undefined;
  /** Slug: unit `name` or file stem; index documents use the item name. */
  name: string;
  /** Order among siblings (numeric prefix or unit number); index is -1. */
  order: number;
  /**
   * Front matter: the schema's output (defaults applied) when `valid`, else
   * the raw YAML data (so a typo in one field does not hide the rest).
   * Undefined when there is no front matter or the YAML does not parse.
   */
  data: Record<string, unknown> | undefined;
  /** The front matter passed schema validation. */
  valid: boolean;
  /** The parse result: source, digest, front matter places, mdast. */
  parsed: ParsedDocument;
}

/** A reference to other content, declared in a front matter map. */
export interface ContentReference {
  /** The front matter map (`challenges`, `tutorials`, ...). */
  map: ReferenceKey;
  /** Name as written. */
  name: string;
  /** Course lessons, when the entry lists some. */
  lessons: string[];
  /** Declaring file and where the name is. */
  file: string;
  span: Span;
  /** Id of the item in this repository it resolves to, if any. */
  target: string | undefined;
}

/** A task with where it is defined. */
export interface TaskEntry {
  name: string;
  /** Resolved task (timeout default applied). */
  task: Task;
  /** Defining file and the span of its name key. */
  file: string;
  span: Span;
}

/** One content item: a folder (or `*.lab.ts`) with its documents. */
export interface ContentItem {
  /** Unique id: `<kind>:<name>`; lessons and modules `<kind>:<course>/<path>`. */
  id: string;
  kind: ItemKind;
  /** Slug (folder name; for modules/lessons without the numeric prefix). */
  name: string;
  /** Lesson / module path within the course (`module/lesson` or `lesson`). */
  path: string;
  /** Folder relative to the content root (POSIX, '' for the root). */
  dir: string;
  /** `markdown` (index.md) or `typescript` (`*.lab.ts`). */
  format: 'markdown' | 'typescript';
  /** Every file of the item (documents, assets, solutions, other files), relative to the root. */
  files: string[];
  /** The index document first, then units in order, then solutions. */
  documents: ContentDocument[];
  /** Front matter of the index document (see {@link ContentDocument.data}). */
  data: Record<string, unknown> | undefined;
  /** Body of the index document. */
  mdast: Root;
  /** Playground (own, else inherited from the course for lessons). */
  playground: Playground | undefined;
  /** Tasks by name, in definition order. */
  tasks: TaskEntry[];
  /** References declared by the item's documents. */
  references: ContentReference[];
  /** `__static__` files, relative to the item folder (`__static__/cover.png`). */
  assets: string[];
  /** Solution files (`solution*.md`, `solution.sh`, `.solution*.sh`), relative to the root. */
  solutions: string[];
  /** Parent item id (modules and lessons: their module or course). */
  parent: string | undefined;
  /** Child item ids in order (course: modules/lessons; module: lessons). */
  children: string[];
  /** Order among siblings (numeric prefix), 0 for top-level items. */
  order: number;
}

/** Everything `loadContent` found: the one model every command uses. */
export interface ContentGraph {
  /** Absolute content root. */
  root: string;
  /** Items in a stable order (by dir). */
  items: ContentItem[];
  /** Item by id. */
  byId: Map<string, ContentItem>;
  /** Document by file (relative path). */
  documents: Map<string, ContentDocument>;
  /** Every file seen under the root (relative, POSIX). */
  files: Set<string>;
  /** All diagnostics, sorted. */
  diagnostics: Diagnostic[];
  /** Internal state for {@link updateFiles}; not part of the model. */
  readonly state: unknown;
}
