import type { MdcSectionNode } from '../../parse/mdc-props.ts';
import { spanOf, type DocumentRule } from '../rule.ts';
import { didYouMean } from '../suggest.ts';

/** `lab:unknown-slot`: a `#slot` the component does not have (a `tabbed` block's slots are its tab names). */
export const unknownSlot: DocumentRule = {
  ids: ['lab:unknown-slot'],
  document: (ctx) => ({
    component({ node, name, spec, props }) {
      if (!spec) return;
      const tabs = props.values['tabs'];
      const tabNames = name === 'tabbed' && Array.isArray(tabs) ? new Set((tabs as { name?: unknown }[]).map((t) => String(t?.name))) : undefined;
      for (const c of node.children as unknown as MdcSectionNode[]) {
        if (c.type !== 'componentContainerSection' || !c.name || c.name === 'default') continue;
        const ok = tabNames ? tabNames.has(c.name) : spec.slots?.includes('*') || spec.slots?.includes(c.name);
        if (ok) continue;
        const known = tabNames ? [...tabNames] : (spec.slots ?? []).filter((s) => s !== '*');
        // The section node starts after its `#`.
        const { start } = spanOf(c);
        ctx.r.report('lab:unknown-slot', ctx.file, { start: { line: start.line, column: Math.max(1, start.column - 1) }, end: { line: start.line, column: start.column + c.name.length } }, `Component "${name}" has no slot "#${c.name}".${didYouMean(c.name, known)}`, {
          expected: known.length ? known.map((s) => '#' + s).join(', ') : 'no named slots',
        });
      }
    },
  }),
};
