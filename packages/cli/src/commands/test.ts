import { InvalidArgumentError, Option, type Command } from 'commander';
import pc from 'picocolors';
import { createWriteStream } from 'node:fs';
import type { ExternalSolution, TestChallengesOptions, TestProgress, TestRunReport, WideEvent } from '@labkit/runtime';
import { wholeNumber } from '../number-flag.ts';
import { findProjectRoot } from '../project-root.ts';
import { providerNames, selectProvider, type ProviderName } from '../run/select-provider.ts';

/**
 * `lab test [item...]`: proves each challenge solvable in a real microVM
 * (checks fail before the solution, pass after). Exits 1 on any failure.
 */
export function register(program: Command): void {
  program
    .command('test')
    .description("Boot each challenge's playground, check its tasks fail, apply its solution, check they pass")
    .argument('[items...]', 'challenge folders, or content folders holding challenges', ['.'])
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('-j, --concurrency <n>', 'challenges tested at once (default: the number of cores)', wholeNumber({ min: 1 }))
    .option('--only <names...>', 'only these challenges (name or id)')
    .option('--condition <key=value>', 'init condition value to start the playground with (repeatable; other keys take their defaults)', collectCondition)
    .option('--solution <[challenge=]file>', 'test this solution script (the `.solution-NN.sh` format) instead of the challenge\'s own, for content you cannot add one to; `challenge=file` when several challenges are selected (repeatable)', collectSolution)
    .option('--all-conditions', 'test every declared combination of init condition values, not only the defaults')
    .option('--settle <duration>', 'fail fast: how long a check may keep failing after the solution finished (default 10s; a task\'s settle_seconds wins)', parseDuration)
    .addOption(new Option('--provider <name>', 'where machines run (default: runtime.provider in lab.config.ts, else qemu; firecracker is untested, see docs/runtime.md)').choices(providerNames))
    .option('--events <file>', 'write one JSON event per task run, machine lifecycle step and phase to this file (JSON lines)')
    .option('--keep-on-fail', 'leave a failed run\'s playground running (in `lab playground list`; `lab ssh` into it, `lab playground stop` it); lab test waits until every kept one is stopped')
    .option('--shell', 'open a shell in the first failed run\'s playground (on the failing check\'s machine) after the report; it stops when the shell exits, unless --keep-on-fail')
    .action(async (items: string[], opts: { format: 'pretty' | 'json'; concurrency?: number; only?: string[]; condition?: Record<string, string>; allConditions?: boolean; solution?: ExternalSolution[]; settle?: number; events?: string; provider?: ProviderName; keepOnFail?: boolean; shell?: boolean }) => {
      const { testChallenges } = await import('@labkit/runtime');
      const kept: KeptRun[] = [];
      const { provider } = await selectProvider(opts.provider, findProjectRoot(process.cwd()) ?? process.cwd());
      const events: WideEvent[] = [];
      const sink = opts.events ? createWriteStream(opts.events) : undefined;
      const report = await testChallenges(items, {
        ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
        ...(provider ? { provider } : {}),
        ...(opts.only ? { filter: opts.only } : {}),
        ...(opts.condition ? { conditions: opts.condition } : {}),
        ...(opts.allConditions ? { allConditions: true } : {}),
        ...(opts.solution ? { solutions: opts.solution } : {}),
        ...(opts.settle !== undefined ? { settleMs: opts.settle } : {}),
        onProgress: (event) => printProgress(event, opts.format),
        onEvent: (event) => {
          events.push(event);
          sink?.write(`${JSON.stringify(event)}\n`);
        },
        ...(opts.keepOnFail || opts.shell
          ? {
              keepFailed: ({ report: r, playground }) => {
                // --shell alone keeps the first failure only: one shell, the rest go as usual.
                if (!opts.keepOnFail && kept.length > 0) return false;
                kept.push({ report: r, playground });
                return true;
              },
            }
          : {}),
      });
      if (sink) await new Promise<void>((resolve, reject) => sink.end((error?: Error | null) => (error ? reject(error) : resolve())));
      if (opts.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report, events);
      process.exitCode = report.ok ? 0 : 1;
      if (kept.length) await holdKept(kept, { keep: opts.keepOnFail === true, shell: opts.shell === true });
    });
}

interface KeptRun {
  report: TestRunReport['challenges'][number];
  playground: Parameters<NonNullable<TestChallengesOptions['keepFailed']>>[0]['playground'];
}

/**
 * Failed runs' playgrounds, still up: registered like `lab playground start`
 * ones (so `lab playground list|stop`, `lab ssh`, `lab cp` reach them), then
 * a shell (`--shell`) and/or a wait until each is stopped (`--keep-on-fail`).
 * Their machines belong to this process: Ctrl-C stops them all.
 */
async function holdKept(kept: KeptRun[], mode: { keep: boolean; shell: boolean }): Promise<void> {
  const { keepPlayground, runInPlayground } = await import('@labkit/runtime/playground-host');
  const handles: Array<{ run: KeptRun; handle: Awaited<ReturnType<typeof keepPlayground>> }> = [];
  for (const k of kept) {
    const failedTasks = k.report.tasks.filter((t) => !t.ok).map((t) => t.name);
    handles.push({ run: k, handle: await keepPlayground({ playground: k.playground, target: k.report.id, title: k.report.name, failedTasks }) });
  }
  const stopAll = () => Promise.all(handles.map((h) => h.handle.stop()));
  const onSignal = () => void stopAll();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (mode.keep) {
      const out: string[] = [];
      for (const { run, handle } of handles) {
        const failed = run.report.tasks.find((t) => !t.ok);
        out.push(`${pc.yellow('kept')} ${pc.bold(handle.record.id)} ${pc.dim(`(${run.report.id}${failed ? `, failed: ${failed.name} on ${failed.machine}` : run.report.error ? `: ${run.report.error}` : ''})`)}`);
        out.push(`  lab ssh ${handle.record.id}${failed && failed.machine !== handle.record.machines[0]?.name ? ` -m ${failed.machine}` : ''}              a shell in the machine`);
        out.push(`  lab ssh ${handle.record.id} -- <command>   run one command`);
        out.push(`  lab playground stop ${handle.record.id}     stop it`);
      }
      out.push(pc.dim(`lab test keeps running until every kept playground is stopped (Ctrl-C stops them all).`), '');
      process.stderr.write(out.join('\n'));
    }
    if (mode.shell) {
      const { run, handle } = handles[0]!;
      const machine = run.report.tasks.find((t) => !t.ok)?.machine ?? handle.record.machines[0]?.name;
      process.stderr.write(pc.dim(`shell in ${handle.record.id}${machine ? ` (${machine})` : ''}; exit it to ${mode.keep ? 'come back' : 'stop the playground'}\n`));
      const interactive = process.stdin.isTTY === true;
      if (interactive) process.stdin.setRawMode(true);
      try {
        await runInPlayground(handle.record.id, {
          ...(machine ? { machine } : {}),
          ...(interactive ? { tty: { cols: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 } } : {}),
          stdin: process.stdin,
          onStdout: (d) => process.stdout.write(d),
          onStderr: (d) => process.stderr.write(d),
          onResize: (listener) => process.stdout.on('resize', () => listener(process.stdout.columns, process.stdout.rows)),
        });
      } finally {
        if (interactive) process.stdin.setRawMode(false);
        process.stdin.destroy();
      }
      if (!mode.keep) await stopAll();
    }
    await Promise.all(handles.map((h) => h.handle.stopped));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  }
}

/** `--condition key=value`, repeatable (lab test, lab playground start). */
export function collectCondition(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError('expected key=value');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/**
 * `--solution file` or `--solution challenge=file`, repeatable. The text
 * before the first `=` is a challenge name when it holds no `/` (so
 * `./a=b.sh` is a file); which challenge it names is checked by the runtime.
 */
export function collectSolution(value: string, previous: ExternalSolution[] | undefined): ExternalSolution[] {
  const eq = value.indexOf('=');
  const named = eq > 0 && !value.slice(0, eq).includes('/');
  const file = named ? value.slice(eq + 1) : value;
  if (!file.trim()) throw new InvalidArgumentError(named ? 'expected challenge=file, the file is missing' : 'expected a file');
  return [...(previous ?? []), named ? { challenge: value.slice(0, eq), file } : { file }];
}

/** `10s`, `1.5s`, `500ms`, `2m` or plain seconds → ms. */
function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a duration such as 10s, 500ms or 2m');
  const n = Number(m[1]);
  return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000);
}

const seconds = (ms: number | undefined) => (ms === undefined ? '' : `${(ms / 1000).toFixed(1)} s`);

/** One line per phase change on stderr (stdout stays clean for --format json). */
function printProgress(event: TestProgress, format: 'pretty' | 'json'): void {
  if (format === 'json') {
    if (event.type === 'challenge-done') process.stderr.write(`${event.report.ok ? 'PASS' : 'FAIL'} ${event.report.id}\n`);
    return;
  }
  if (event.type === 'challenge-start') process.stderr.write(pc.dim(`▸ ${event.id} (${event.solution ?? 'no solution'})\n`));
  else if (event.type === 'phase') process.stderr.write(pc.dim(`  ${event.id}: ${event.phase}\n`));
  else if (event.type === 'challenge-done') {
    const r = event.report;
    process.stderr.write(`${r.ok ? pc.green('✓') : pc.red('✗')} ${r.id} ${pc.dim(seconds(r.durationMs))}\n`);
  }
}

const PHASES = ['boot', 'init', 'precheck', 'solution', 'checks', 'teardown'] as const;

function printReport(report: TestRunReport, events: WideEvent[]): void {
  const out: string[] = [''];
  // The timing breakdown comes from the same wide events `--events` writes.
  const byRun = new Map<string, { challenge: string; solution: string | undefined; conditions: string; phases: Partial<Record<string, number>> }>();
  for (const e of events) {
    if (e.type !== 'phase') continue;
    const row = byRun.get(e.run) ?? { challenge: e.challenge, solution: e.solution, conditions: e.conditions, phases: {} };
    row.phases[e.phase] = (row.phases[e.phase] ?? 0) + e.durationMs;
    byRun.set(e.run, row);
  }
  const rows = [...byRun.values()];
  for (const c of report.challenges) {
    const conditions = Object.entries(c.conditions ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
    const row = rows.find((r) => r.challenge === c.id && r.solution === c.solution && r.conditions === conditions);
    if (row) rows.splice(rows.indexOf(row), 1);
    const timing = row ? PHASES.filter((p) => row.phases[p] !== undefined).map((p) => `${p} ${seconds(row.phases[p])}`).join(' · ') : `boot ${seconds(c.bootMs)} · init ${seconds(c.initMs)} · solution ${seconds(c.solutionMs)}`;
    out.push(`${c.ok ? pc.green('PASS') : pc.red('FAIL')} ${pc.bold(c.id)}${conditions ? ` [${conditions}]` : ''} ${pc.dim(`${c.solution ?? ''} · ${timing} · total ${seconds(c.durationMs)}`)}`);
    if (c.error) out.push(`  ${pc.red(c.error)}`);
    for (const t of c.tasks) {
      const mark = t.ok ? pc.green('✓') : pc.red('✗');
      const pre = t.kind === 'regular' ? `before: ${t.precheck === 'passed' ? pc.red('passed (should fail)') : t.precheck}` : t.kind;
      out.push(`  ${mark} ${t.name.padEnd(32)} ${pre.padEnd(20)} after: ${t.status.padEnd(10)} ${pc.dim(`${seconds(t.durationMs)} ${t.runs} run(s)`)}`);
      if (!t.ok && t.detail) out.push(`      ${pc.yellow(t.detail)}`);
      if (!t.ok && t.lastOutput) out.push(...t.lastOutput.split('\n').map((l) => `      ${pc.dim(l)}`));
    }
  }
  const failed = report.challenges.filter((c) => !c.ok).length;
  out.push('', `${report.challenges.length - failed} passed, ${failed} failed ${pc.dim(`(${seconds(report.durationMs)})`)}`, '');
  process.stdout.write(out.join('\n'));
}
