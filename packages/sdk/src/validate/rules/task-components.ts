import type { DocumentRule } from '../rule.ts';
import { didYouMean } from '../suggest.ts';

/**
 * `lab:unknown-task`: a task component names a task the front matter does
 * not define. Also records which tasks the body shows, for the item's task
 * rules (`lab:task-not-shown`, `lab:task-shown-twice`...).
 */
export const taskComponents: DocumentRule = {
  ids: ['lab:unknown-task'],
  document: (ctx) => ({
    component({ node, spec, props }) {
      if (!spec?.task) return;
      const t = props.values['name'];
      if (typeof t !== 'string' || !t) return;
      const span = ctx.propSpan(node, 'name', 'value');
      ctx.usage.shownTasks.push({ name: t, file: ctx.file, span });
      if (ctx.taskNames.has(t)) return;
      ctx.r.report('lab:unknown-task', ctx.file, span, `Task "${t}" is not defined in the front matter \`tasks\`.${didYouMean(t, ctx.taskNames)}`, {
        expected: ctx.taskNames.size ? [...ctx.taskNames].join(', ') : 'a task defined under `tasks:`',
        actual: t,
      });
    },
  }),
};
