import { componentRegistry } from '../../components/registry.ts';
import type { DocumentRule } from '../rule.ts';
import { didYouMean } from '../suggest.ts';
import { bindingText, isMdcBinding } from '../../parse/mdc-props.ts';

/** `lab:unknown-component`: a component the catalogue does not have (shown as is; "did you mean" for typos). */
export const unknownComponent: DocumentRule = {
  ids: ['lab:unknown-component'],
  document: (ctx) => ({
    component({ node, name, spec }) {
      if (spec) return;
      if (isMdcBinding(node)) {
        ctx.r.report('lab:unknown-component', ctx.file, ctx.nameSpan(node), `\`${bindingText(node)}\` is an MDC binding: Labkit does not evaluate bindings and shows it as written.`, {
          hint: 'Write the value itself, or put the braces in backticks to show them as code. Killercoda\'s `{{exec}}` markers are converted by `lab import killercoda`.',
          unknown: 'binding',
        });
        return;
      }
      ctx.r.report('lab:unknown-component', ctx.file, ctx.nameSpan(node), `Unknown component "${name}": Labkit shows its content as is.${didYouMean(name, Object.keys(componentRegistry))}`, {
        hint: node.type === 'textComponent' ? 'A colon before a word starts an inline component; escape it as `\\:` or put the text in backticks.' : undefined,
        unknown: `component ${name}`,
      });
    },
  }),
};
