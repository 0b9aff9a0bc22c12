import type { Span } from '../../diagnostics/diagnostic.ts';
import type { DocumentRule } from '../rule.ts';

interface Node {
  type: string;
  name?: string;
  checked?: boolean | null;
  children?: Node[];
  position?: { start: { line: number; column: number }; end: { line: number; column: number } };
}

/**
 * `lab:quiz-structure`: a `::quiz` must read as a question a browser can
 * check: some question text, then its options as a task list (`- [ ]` /
 * `- [x]`), at least two of them and at least one marked right; quiz names
 * are unique on their page (they are progress keys).
 */
export const quizStructure: DocumentRule = {
  ids: ['lab:quiz-structure'],
  document: ({ doc, file, r }) => {
    // Most pages have no quiz (validation runs on every keystroke in lab dev).
    if (!doc.parsed.source.includes('::quiz')) return undefined;
    const names = new Map<string, Span>();
    let n = 0;
    const spanOf = (node: Node): Span => {
      const p = node.position!;
      return { start: { line: p.start.line, column: p.start.column }, end: { line: p.start.line, column: p.start.column + 6 } };
    };
    const quiz = (node: Node, name: string): void => {
      const span = spanOf(node);
      const body = (node.children ?? []).filter((c) => c.type !== 'componentContainerSection');
      const lists = body.filter((c) => c.type === 'list' && (c.children ?? []).length > 0 && (c.children ?? []).every((li) => typeof li.checked === 'boolean'));
      const options = lists.at(-1)?.children ?? [];
      const question = body.filter((c) => c !== lists.at(-1));
      if (!lists.length) {
        const plain = body.find((c) => c.type === 'list');
        r.report('lab:quiz-structure', file, plain ? spanOf(plain) : span, 'quiz has no options: write them as a task list, `- [x]` for a right answer and `- [ ]` for a wrong one.', {
          expected: '- [x] right answer\n- [ ] wrong answer',
        });
        return;
      }
      if (options.length < 2) r.report('lab:quiz-structure', file, spanOf(lists.at(-1)!), `quiz "${name}" has ${options.length} option: give at least two.`);
      if (!options.some((o) => o.checked)) r.report('lab:quiz-structure', file, spanOf(lists.at(-1)!), `quiz "${name}" marks no option as right: write \`- [x]\` before the right answer.`);
      if (!question.length) r.report('lab:quiz-structure', file, span, `quiz "${name}" has no question: write it above the options.`);
      const seen = names.get(name);
      if (seen) r.report('lab:quiz-structure', file, span, `Two quizzes on this page are named "${name}": give each a unique :name (it keys the learner's progress).`, { related: [{ file, span: seen, message: 'first quiz with this name' }] });
      else names.set(name, span);
    };
    return {
      component({ node, name, props }) {
        if (node.type !== 'containerComponent' || name !== 'quiz') return;
        const index = ++n;
        quiz(node as unknown as Node, String(props.values['name'] ?? `quiz-${index}`));
      },
    };
  },
};
