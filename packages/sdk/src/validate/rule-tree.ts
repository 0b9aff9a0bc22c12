import type { Root } from 'mdast';

interface TreeNode {
  type: string;
  children?: TreeNode[];
  [field: string]: unknown;
}

/** Nodes a rule reads whole: a heading's text gives its anchor id, an image has no children. */
const WHOLE = new Set(['heading', 'image']);
/** Nodes the body walk hands to the rules (their own fields; their children are pruned like any). */
const VISITED = new Set(['containerComponent', 'leafComponent', 'textComponent', 'link']);

/**
 * The part of a document's mdast the rules read, for a load that only
 * validates (`trees: 'rules'`): every component, link and image node with
 * all its fields, every heading whole (its text is its anchor id), each
 * component's direct children as stubs (a quiz counts its question and
 * reads its options' `checked`, a slot is a named section), and the nodes
 * on the way down to them. Paragraph text, code and the rest are left
 * out: on a typical page that is most of the tree, so a parse worker
 * posts back a fraction of it and the graph keeps a fraction of it.
 *
 * Every rule sees the same nodes in the same order, with the same fields,
 * as on the whole tree (`test/graph/rule-trees.test.ts` compares the
 * diagnostics of both on every fixture, the corpus and examples/). Such a
 * tree is not for rendering: a load with full trees is.
 */
export function ruleTree(root: Root): Root {
  return (prune(root as unknown as TreeNode, false) ?? { type: 'root', children: [] }) as unknown as Root;
}

/** `node` pruned, or `undefined` when nothing in it is needed; `stub`: keep it anyway (a component's child). */
function prune(node: TreeNode, stub: boolean): TreeNode | undefined {
  if (WHOLE.has(node.type)) return node;
  const visited = VISITED.has(node.type) || node.type === 'root';
  const component = visited && node.type !== 'link' && node.type !== 'root';
  let kept: TreeNode[] | undefined;
  if (node.children) {
    const { children } = node;
    // A component's list (a quiz's options): every item, with `checked`.
    const stubChildren = component || (stub && node.type === 'list');
    for (let i = 0; i < children.length; i++) {
      const c = prune(children[i]!, stubChildren);
      if (c) (kept ??= []).push(c);
    }
  }
  if (!visited && !stub && !kept) return undefined;
  const out: TreeNode = { type: node.type };
  for (const key in node) {
    if (key === 'children' || key === 'type') continue;
    // A stub's text is not read (a quiz only counts what is above its options).
    if (key === 'value' && !visited) continue;
    out[key] = node[key];
  }
  // A node without children (an MDC binding) stays without them.
  if (node.children) out.children = kept ?? [];
  return out;
}
