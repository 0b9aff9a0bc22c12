import type { DocumentRule } from '../rule.ts';

/**
 * `lab:unclosed-component`: a `::name` block without its closing `::`. A
 * closed block's node ends right after its `::` fence; an unclosed one runs
 * to the end of its parent (or the file), so the text before its end offset
 * is not a fence.
 */
export const unclosedComponent: DocumentRule = {
  ids: ['lab:unclosed-component'],
  document: (ctx) => {
    const source = ctx.doc.parsed.source;
    return {
      component({ node, name, spec }) {
        if (!spec || node.type !== 'containerComponent') return;
        const end = node.position?.end.offset;
        if (end === undefined) return;
        const fence = source.slice(source.lastIndexOf('\n', end - 1) + 1, end).trim();
        if (fence.length >= 2 && /^:+$/.test(fence)) return;
        ctx.r.report('lab:unclosed-component', ctx.file, ctx.nameSpan(node), `Component "${name}" is not closed: add a \`::\` line after its content.`);
      },
    };
  },
};
