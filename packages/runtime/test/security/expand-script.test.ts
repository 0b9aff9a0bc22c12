import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expandScript, type ExpandContext } from '../../src/engine/expand.ts';
import { corpusPath, itCorpus } from '../../../../test-support/corpus.ts';

// Finding 8 of issue 11: `x(.input)` and `x(.needs.T.stdout)` are learner-
// or guest-controlled. The expanded scripts run here under bash and busybox
// ash (the two guest shells) with hostile values whose payload would create
// a marker file in a private temp folder; they must print the value as
// data and never create the marker. (tests/security/x-input.test.ts does the
// same through the task engine in a real VM.)

let dir: string;
let marker: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'labkit-expand-'));
  marker = path.join(dir, 'pwned');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hostile = () => [
  `$(touch ${marker})750`,
  `\`touch ${marker}\``,
  `"; touch ${marker}; echo "`,
  `'; touch ${marker}; echo '`,
  `750\ntouch ${marker}`,
  `$'\\x27'; touch ${marker} #`,
  `\\"$(touch ${marker})\\"`,
  `EOF\ntouch ${marker}\nEOF`,
];

const shells = [
  ['bash', ['-c']],
  ['busybox', ['sh', '-c']],
] as const;

function run(text: string, context: ExpandContext, shell: (typeof shells)[number]) {
  const { script, env } = expandScript(text, context);
  const r = spawnSync(shell[0], [...shell[1], script], { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8', timeout: 10_000 });
  return { stdout: r.stdout, status: r.status, script };
}

/** Scripts as authors write them, and what each prints for a value `v` under textual substitution of a harmless value. */
const contexts: Array<[string, string, (v: string) => string]> = [
  ['double quotes', 'echo "x(.input)"', (v) => `${v}\n`],
  ['single quotes', "echo 'answer: x(.input)!'", (v) => `answer: ${v}!\n`],
  ['heredoc', 'cat <<EOF\nx(.input)\nEOF\necho after', (v) => `${v}\nafter\n`],
  ['iximiuz: assign first, then compare', 'PROVIDED=$(echo "x(.input)" | tr -d \'\\n\')\nprintf "%s" "$PROVIDED"', (v) => v.replace(/\n/g, '')],
  ['$( ) with single quotes inside double quotes', `echo "$(printf '%s' 'x(.input)')"`, (v) => `${v}\n`],
  ['backticks', 'echo "`printf %s "x(.input)"`"', (v) => `${v}\n`],
  ["ANSI-C $'...'", "printf '%s\\n' $'[x(.input)]'", (v) => `[${v}]\n`],
  ['after a comment with backticks and quotes', "# The answer is in `x(.input)`, isn't it?\necho \"x(.input)\"", (v) => `${v}\n`],
];

describe('x(.input) reaches scripts as data', () => {
  for (const shell of shells) {
    describe(shell[0], () => {
      for (const [name, text, expected] of contexts) {
        it(`${name}: hostile answers do not run, and print as written`, () => {
          for (const value of hostile()) {
            const r = run(text, { needs: {}, input: value }, shell);
            expect(existsSync(marker), `${JSON.stringify(value)} ran via:\n${r.script}`).toBe(false);
            expect(r.stdout, r.script).toBe(expected(value));
          }
        });
      }

      it('keeps the normal answer working, including word splitting where it was unquoted', () => {
        expect(run('[ "x(.input)" = 750 ] && echo ok', { needs: {}, input: '750' }, shell).stdout).toBe('ok\n');
        expect(run('for w in x(.input); do echo "<$w>"; done', { needs: {}, input: 'a  b' }, shell).stdout).toBe('<a>\n<b>\n');
        expect(run("echo 'x(.input)'", { needs: {}, input: '' }, shell).stdout).toBe('\n');
      });
    });
  }

  it('x(.needs.T.stdout): a previous task output is data too, without its trailing newlines', () => {
    const context: ExpandContext = { needs: { gen: { stdout: `$(touch ${marker})abc\n\n`, stderr: '' } } };
    const r = run('echo "x(.needs.gen.stdout)" \'x(.needs.gen.stdout)\'', context, shells[0]);
    expect(existsSync(marker)).toBe(false);
    expect(r.stdout).toBe(`$(touch ${marker})abc $(touch ${marker})abc\n`);
    expect(expandScript('x(.needs.gen.stdout)', context).env).toEqual({ LABKIT_NEEDS_GEN_STDOUT: `$(touch ${marker})abc` });
  });

  it('gives distinct variables to task names that sanitise alike, and leaves unknown tasks as written', () => {
    const { script, env } = expandScript('x(.needs.a-b.stdout) x(.needs.a_b.stdout) x(.needs.a-b.stdout) x(.needs.nope.stdout)', {
      needs: { 'a-b': { stdout: '1', stderr: '' }, a_b: { stdout: '2', stderr: '' } },
    });
    expect(script).toBe('${LABKIT_NEEDS_A_B_STDOUT} ${LABKIT_NEEDS_A_B_STDOUT_2} ${LABKIT_NEEDS_A_B_STDOUT} x(.needs.nope.stdout)');
    expect(env).toEqual({ LABKIT_NEEDS_A_B_STDOUT: '1', LABKIT_NEEDS_A_B_STDOUT_2: '2' });
  });

  itCorpus('runs the iximiuz sample tutorial\'s x(.input) task as written: the right answer passes, a hostile one fails and runs nothing', () => {
    const file = corpusPath('iximiuz-samples', 'sample-tutorial', 'index.md');
    const text = readFileSync(file, 'utf8');
    const block = /\n  input_container_name:\n(?:.*\n)*?    run: \|\n((?:(?: {6}.*)?\n)+)/.exec(text)?.[1];
    expect(block, 'the sample task was not found').toBeDefined();
    const script = block!.replace(/^ {6}/gm, '');
    expect(script).toContain('[[ "x(.input)" != "my-awesome-container" ]]');
    const good = run(script, { needs: {}, input: 'my-awesome-container' }, shells[0]);
    expect(good.status).toBe(0);
    expect(good.stdout.startsWith('my-awesome-container\n')).toBe(true);
    for (const value of hostile()) {
      const bad = run(script, { needs: {}, input: value }, shells[0]);
      expect(bad.status).toBe(1);
      expect(existsSync(marker)).toBe(false);
    }
  });

  it('leaves scripts without x(...) untouched (the hot path)', () => {
    const text = 'echo "$(cat /etc/hostname)" # no expressions';
    expect(expandScript(text, { needs: {} })).toEqual({ script: text, env: {} });
  });
});

describe('expandScript scanner corners', () => {
  it('does not take an arithmetic shift for a heredoc', () => {
    const { script } = expandScript("echo $(( 1 << 2 ))\necho 'x(.input)'", { needs: {}, input: 'v' });
    expect(script).toBe(`echo $(( 1 << 2 ))\necho ''"\${LABKIT_INPUT}"''`);
  });

  it('treats a quoted heredoc body as literal (the documented exception) and goes on after it', () => {
    const { script } = expandScript("cat <<'EOF'\nx(.input)\nEOF\necho 'x(.input)'", { needs: {}, input: 'v' });
    expect(script).toBe(`cat <<'EOF'\n\${LABKIT_INPUT}\nEOF\necho ''"\${LABKIT_INPUT}"''`);
  });
});
