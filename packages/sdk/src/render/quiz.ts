import type { Element, ElementContent } from 'hast';
import { h } from './hast-builders.ts';
import { propString } from './component-props.ts';
import type { ComponentContext } from './components.ts';

/**
 * `::quiz`: a question, its options as a GFM task list (`- [x]` marks a
 * correct one) and an optional `#explanation` slot.
 *
 * Without JavaScript it is a readable question with its options and a
 * "Show the answer" spoiler; the site's island checks the learner's choice,
 * reveals the explanation and keeps the result as progress. One correct
 * option makes radio buttons, several make checkboxes.
 */
export function renderQuiz(ctx: ComponentContext): Element {
  ctx.islands.add('quiz');
  const name = propString(ctx.props, 'name') ?? `quiz-${ctx.tasks.filter((t) => t.component === 'quiz').length + 1}`;
  ctx.tasks.push({ name, component: 'quiz' });
  const list = ctx.defaultSlot.findLastIndex(isTaskList);
  const question = ctx.defaultSlot.filter((_, i) => i !== list);
  const items = list === -1 ? [] : (ctx.defaultSlot[list] as Element).children.filter((c): c is Element => c.type === 'element' && c.tagName === 'li');
  const options = items.map((li) => {
    const box = li.children.find((c): c is Element => c.type === 'element' && c.tagName === 'input');
    // GFM wraps the text of a loose list item in <p>: unwrap it for the label.
    const rest = li.children.filter((c) => c !== box).flatMap((c) => (c.type === 'element' && c.tagName === 'p' ? c.children : [c]));
    while (rest[0]?.type === 'text' && !rest[0].value.trim()) rest.shift();
    if (rest[0]?.type === 'text') rest[0] = { ...rest[0], value: rest[0].value.replace(/^\s+/, '') };
    return { correct: box?.properties['checked'] === true, label: rest };
  });
  const correct = options.filter((o) => o.correct).length;
  const multiple = propString(ctx.props, 'multiple') === 'true' || correct > 1;
  const explanation = ctx.slots.get('explanation') ?? [];
  const answers = options.map((o, i) => (o.correct ? i : -1)).filter((i) => i >= 0);
  return h('form', { className: ['lk-quiz'], dataQuiz: name, dataMultiple: multiple ? 'true' : 'false', dataState: 'open' }, [
    h('fieldset', {}, [
      h('legend', { className: ['lk-quiz-head'] }, [
        h('span', { className: ['lk-quiz-label'] }, ['Quiz']),
        h('span', { className: ['lk-quiz-hint'] }, [multiple ? 'Choose every right answer' : 'Choose one answer']),
      ]),
      h('div', { className: ['lk-quiz-question'] }, question),
      h('ol', { className: ['lk-quiz-options'] }, options.map((o, i) =>
        h('li', { className: ['lk-quiz-option'] }, [
          h('label', {}, [
            h('input', { type: multiple ? 'checkbox' : 'radio', name: `quiz-${name}`, value: String(i) }),
            h('span', {}, o.label),
          ]),
        ]),
      )),
      h('div', { className: ['lk-quiz-actions'] }, [
        h('button', { type: 'submit', className: ['lk-btn'], dataQuizCheck: '' }, ['Check']),
        h('span', { className: ['lk-quiz-result'], role: 'status' }),
      ]),
      h('details', { className: ['lk-quiz-answer'], dataAnswers: answers.join(' ') }, [
        h('summary', {}, ['Show the answer']),
        h('div', { className: ['lk-collapsible-body'] }, [
          h('p', {}, [correct === 1 ? 'The right answer: ' : 'The right answers: ', ...options.flatMap((o, i) => (o.correct ? [...(answers.indexOf(i) > 0 ? [{ type: 'text' as const, value: '; ' }] : []), h('strong', {}, o.label)] : []))]),
          ...explanation,
        ]),
      ]),
    ]),
  ]);
}

function isTaskList(node: ElementContent): boolean {
  return node.type === 'element' && (node.tagName === 'ul' || node.tagName === 'ol') && Array.isArray(node.properties['className']) && node.properties['className'].includes('contains-task-list');
}
