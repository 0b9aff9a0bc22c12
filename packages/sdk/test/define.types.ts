// Type test, checked by `pnpm typecheck` (tsc over packages/sdk): every
// `@ts-expect-error` line must BE a type error, or tsc fails. It proves
// that authors get type errors in their editor for bad content as code.
import { defineChallenge, defineCourse, defineSkillPath, definePlayground, initTask, task } from '../src/index.ts';

const base = {
  title: 'Type Test Challenge Title',
  description: 'Checks the types.',
  categories: ['linux'],
  difficulty: 'easy',
  createdAt: '2026-01-01',
} as const;

// Valid: needs names a task defined next to it.
defineChallenge({
  ...base,
  tasks: {
    init_a: initTask({ run: 'true' }),
    verify_b: task({ needs: ['init_a'], run: 'true' }),
  },
  body: '::simple-task\n---\n:tasks: tasks\n:name: verify_b\n---\n::\n',
});

defineChallenge({
  ...base,
  tasks: {
    // @ts-expect-error: `needs` must name a task of this challenge.
    verify_b: task({ needs: ['missing_task'], run: 'true' }),
  },
});

defineChallenge({
  ...base,
  tasks: {
    // @ts-expect-error: `run` is required.
    verify_b: { hintcheck: 'echo hi' },
  },
});

defineChallenge({
  ...base,
  // An open enumeration: the known values are suggested, another string is
  // accepted (lab validate warns, lab:unknown-value) and kept.
  difficulty: 'extreme',
});

defineChallenge({
  ...base,
  // @ts-expect-error: still a string.
  difficulty: 3,
});

defineChallenge({
  ...base,
  // @ts-expect-error: a typo in a field name is an error, though the schema is loose for YAML.
  tittle: 'Oops',
});

defineChallenge({
  ...base,
  tasks: {
    // @ts-expect-error: timeout_seconds is a number.
    verify_b: task({ run: 'true', timeout_seconds: '60' }),
  },
});

// @ts-expect-error: a challenge cannot have both an inline body and a body file.
defineChallenge({ ...base, body: 'x', bodyFile: 'body.md' });

definePlayground({
  title: 'Mine',
  playground: {
    machines: [{ name: 'box' }],
    // Tab kinds are an open list: another kind is accepted (lab:unknown-value warns).
    tabs: [{ kind: 'browser' }],
  },
  build: { rootfs: 'busybox' },
});

definePlayground({
  title: 'Mine',
  playground: { machines: [{ name: 'box' }] },
  // @ts-expect-error: only busybox and debian root file systems exist.
  build: { rootfs: 'alpine' },
});

defineSkillPath({
  title: 'Type Test Skill Path Title',
  description: 'Units are required.',
  categories: ['linux'],
  createdAt: '2026-01-01',
  units: [{ title: 'One', name: 'one', tutorials: { 'some-tutorial': {} }, body: '::card\n---\n:content: tutorials.some-tutorial\n---\n::\n' }],
});

defineCourse({
  title: 'Type Test Course Title',
  description: 'Modules hold lessons.',
  categories: ['linux'],
  createdAt: '2026-01-01',
  // @ts-expect-error: a module needs a title.
  modules: [{ name: 'm', lessons: [] }],
});
