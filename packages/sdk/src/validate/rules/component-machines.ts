import type { DocumentRule } from '../rule.ts';
import { didYouMean } from '../suggest.ts';

/** `lab:unknown-machine` for inline components (`:tab`, `:http-port`) that name a machine the playground does not list. */
export const componentMachines: DocumentRule = {
  ids: ['lab:unknown-machine'],
  document: (ctx) => {
    const machines = ctx.machines;
    if (!machines) return undefined;
    return {
      component({ node, name, props }) {
        const machine = props.values['machine'];
        if ((name !== 'tab' && name !== 'http-port') || typeof machine !== 'string' || machines.has(machine)) return;
        ctx.r.report('lab:unknown-machine', ctx.file, ctx.propSpan(node, 'machine', 'value'), `Machine "${machine}" is not in the playground's machines.${didYouMean(machine, machines)}`, {
          expected: [...machines].join(', '),
        });
      },
    };
  },
};
