import { InvalidArgumentError, Option, type Command } from 'commander';
import pc from 'picocolors';
import { createWriteStream } from 'node:fs';
import type { TestProgress, TestRunReport, WideEvent } from '@labkit/runtime';
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
    .option('--all-conditions', 'test every declared combination of init condition values, not only the defaults')
    .option('--settle <duration>', 'fail fast: how long a check may keep failing after the solution finished (default 10s; a task\'s settle_seconds wins)', parseDuration)
    .addOption(new Option('--provider <name>', 'where machines run (default: runtime.provider in lab.config.ts, else qemu; firecracker is untested, see docs/runtime.md)').choices(providerNames))
    .option('--events <file>', 'write one JSON event per task run, machine lifecycle step and phase to this file (JSON lines)')
    .action(async (items: string[], opts: { format: 'pretty' | 'json'; concurrency?: number; only?: string[]; condition?: Record<string, string>; allConditions?: boolean; settle?: number; events?: string; provider?: ProviderName }) => {
      const { testChallenges } = await import('@labkit/runtime');
      const { provider } = await selectProvider(opts.provider, findProjectRoot(process.cwd()) ?? process.cwd());
      const events: WideEvent[] = [];
      const sink = opts.events ? createWriteStream(opts.events) : undefined;
      const report = await testChallenges(items, {
        ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
        ...(provider ? { provider } : {}),
        ...(opts.only ? { filter: opts.only } : {}),
        ...(opts.condition ? { conditions: opts.condition } : {}),
        ...(opts.allConditions ? { allConditions: true } : {}),
        ...(opts.settle !== undefined ? { settleMs: opts.settle } : {}),
        onProgress: (event) => printProgress(event, opts.format),
        onEvent: (event) => {
          events.push(event);
          sink?.write(`${JSON.stringify(event)}\n`);
        },
      });
      if (sink) await new Promise<void>((resolve, reject) => sink.end((error?: Error | null) => (error ? reject(error) : resolve())));
      if (opts.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report, events);
      process.exitCode = report.ok ? 0 : 1;
    });
}

function collectCondition(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 1) throw new InvalidArgumentError('expected key=value');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
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
