import type { Root } from 'mdast';
import type { Processor } from 'unified';
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import remarkMdc from 'remark-mdc';
import { getComponent } from '../components/registry.ts';

let processor: Processor<Root, Root, Root> | undefined;

// Any change here that alters a parse bumps PARSE_REVISION (parse-revision.ts).
export { PARSE_REVISION } from './parse-revision.ts';

/**
 * The one unified processor (remark-parse + remark-mdc + remark-gfm), built
 * once. MDC comes before GFM, as in Nuxt Content (the platform's renderer
 * adds remark-mdc, then its remark plugins, remark-gfm among them). Order
 * matters: the other way round MDC reads a footnote reference `[^1]` as a
 * `[span]` and the footnote is lost.
 */
export function markdownProcessor(): Processor<Root, Root, Root> {
  processor ??= unified().use(remarkParse).use(remarkMdc).use(remarkGfm) as unknown as Processor<Root, Root, Root>;
  return processor;
}

/**
 * Parses Markdown + MDC into mdast with positions on every node.
 * `text` must keep the file's offsets (front matter blanked, not cut), so
 * positions are the file's own.
 */
export function parseMarkdown(text: string): Root {
  const p = markdownProcessor();
  const tree = p.runSync(p.parse(text)) as Root;
  restoreBareColonWords(tree, text);
  return tree;
}

interface AnyNode {
  type: string;
  name?: string;
  value?: string;
  children?: AnyNode[];
  attributes?: Record<string, unknown>;
  position?: { start: { line: number; column: number; offset?: number }; end: { line: number; column: number; offset?: number } };
}

/**
 * Trap: remark-mdc reads a space followed by `:word` (`image :latest`,
 * `port :8080`) as an inline component. A bare `:word` (no `{}` or `[]`)
 * whose name is no known inline component is prose, so it goes back to text
 * and merges with its neighbours.
 */
function restoreBareColonWords(node: AnyNode, text: string): void {
  const children = node.children;
  if (!children) return;
  let changed = false;
  for (let i = 0; i < children.length; i++) {
    const c = children[i] as AnyNode;
    if (c.type === 'textComponent' && c.name && !isKnownInline(c.name) && (!c.children || c.children.length === 0)) {
      const s = c.position?.start.offset;
      const e = c.position?.end.offset;
      if (s !== undefined && e !== undefined && text.slice(s, e) === ':' + c.name) {
        children[i] = { type: 'text', value: ':' + c.name, position: c.position };
        changed = true;
        continue;
      }
    }
    if (c.children) restoreBareColonWords(c, text);
  }
  if (!changed) return;
  const merged: AnyNode[] = [];
  for (const c of children) {
    const prev = merged[merged.length - 1];
    if (prev && prev.type === 'text' && c.type === 'text' && prev.position && c.position) {
      merged[merged.length - 1] = {
        type: 'text',
        value: (prev.value ?? '') + (c.value ?? ''),
        position: { start: prev.position.start, end: c.position.end },
      };
    } else merged.push(c);
  }
  node.children = merged;
}

function isKnownInline(name: string): boolean {
  return getComponent(name)?.form === 'inline';
}
