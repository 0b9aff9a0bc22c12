import { InvalidArgumentError, Option, type Command } from 'commander';
import pc from 'picocolors';
import type { TestProgress, TestRunReport } from '@labkit/runtime';

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
    .option('-j, --concurrency <n>', 'challenges tested at once (default: the number of cores)', parsePositive)
    .option('--only <names...>', 'only these challenges (name or id)')
    .action(async (items: string[], opts: { format: 'pretty' | 'json'; concurrency?: number; only?: string[] }) => {
      const { testChallenges } = await import('@labkit/runtime');
      const report = await testChallenges(items, {
        ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
        ...(opts.only ? { filter: opts.only } : {}),
        onProgress: (event) => printProgress(event, opts.format),
      });
      if (opts.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printReport(report);
      process.exitCode = report.ok ? 0 : 1;
    });
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('expected a whole number, 1 or more');
  return n;
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

function printReport(report: TestRunReport): void {
  const out: string[] = [''];
  for (const c of report.challenges) {
    out.push(`${c.ok ? pc.green('PASS') : pc.red('FAIL')} ${pc.bold(c.id)} ${pc.dim(`${c.solution ?? ''} · boot ${seconds(c.bootMs)} · init ${seconds(c.initMs)} · solution ${seconds(c.solutionMs)} · total ${seconds(c.durationMs)}`)}`);
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
