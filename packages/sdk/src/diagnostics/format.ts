import { createRequire } from 'node:module';
import { compareDiagnostics, type Diagnostic, type Severity } from './diagnostic.ts';
import type { RuleId } from './rules.ts';

/** Options of {@link formatDiagnostics}. */
export interface FormatOptions {
  /** `pretty` for people (default), `json` for CI. */
  format?: 'pretty' | 'json';
  /** Source text of a file, for code frames. Without it, pretty output has no frames. */
  readSource?: (file: string) => string | undefined;
  /** ANSI colours in pretty output (default false). */
  color?: boolean;
  /** Leave out diagnostics below this severity (default: show all). */
  minSeverity?: Severity;
}

/** Counts by severity. */
export interface DiagnosticSummary {
  errors: number;
  warnings: number;
  infos: number;
  /** Number of distinct files with at least one diagnostic shown. */
  files: number;
}

const rank: Record<Severity, number> = { error: 2, warning: 1, info: 0 };

/** Counts diagnostics by severity. */
export function summarize(diagnostics: readonly Diagnostic[]): DiagnosticSummary {
  const files = new Set<string>();
  const s: DiagnosticSummary = { errors: 0, warnings: 0, infos: 0, files: 0 };
  for (const d of diagnostics) {
    files.add(d.file);
    if (d.severity === 'error') s.errors++;
    else if (d.severity === 'warning') s.warnings++;
    else s.infos++;
  }
  s.files = files.size;
  return s;
}

/**
 * What Labkit does not understand yet, at a glance: every unknown field,
 * value, component and prop (the diagnostics that carry `unknown`), with
 * each place it occurs as `file:line:column`, sorted by name. Part of
 * `lab validate --format json` whatever `--quiet` hides.
 */
export function compatibilityReport(diagnostics: readonly Diagnostic[]): Record<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const d of [...diagnostics].sort(compareDiagnostics)) {
    if (d.unknown === undefined) continue;
    let places = byName.get(d.unknown);
    if (!places) byName.set(d.unknown, (places = []));
    places.push(`${d.file}:${d.span.start.line}:${d.span.start.column}`);
  }
  return Object.fromEntries([...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Rules about files Labkit refuses to read: their diagnostics never get a code frame. */
const unreadRules: ReadonlySet<RuleId> = new Set<RuleId>(['lab:symlink-outside']);

/**
 * The one formatter. Pretty: `file:line:col severity message rule`, a code
 * frame, expected/actual/hint and related places, then a summary line.
 * JSON: `{ diagnostics, summary, compatibility }`, the same data, sorted.
 */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], options: FormatOptions = {}): string {
  const min = rank[options.minSeverity ?? 'info'];
  const shown = diagnostics.filter((d) => rank[d.severity] >= min).sort(compareDiagnostics);
  const summary = summarize(shown);
  if (options.format === 'json') return JSON.stringify({ diagnostics: shown, summary, compatibility: compatibilityReport(diagnostics) }, null, 2) + '\n';

  const c = colors(options.color ?? false);
  const out: string[] = [];
  for (const d of shown) {
    const where = `${d.file}:${d.span.start.line}:${d.span.start.column}`;
    const sev = d.severity === 'error' ? c.red('error') : d.severity === 'warning' ? c.yellow('warning') : c.blue('info');
    out.push(`${c.bold(where)} ${sev} ${d.message} ${c.dim(d.ruleId)}`);
    // A refused symlink is a file Labkit must never read: no caller's
    // readSource may print its first line (a secret) as a code frame.
    const source = unreadRules.has(d.ruleId) ? undefined : options.readSource?.(d.file);
    if (source !== undefined) {
      const end = d.span.end.line > d.span.start.line || d.span.end.column > d.span.start.column ? d.span.end : undefined;
      // @babel/code-frame counts columns from 0 here; ours are 1-based.
      const start = { line: d.span.start.line, column: d.span.start.column - 1 };
      const loc = end ? { start, end: { line: end.line, column: end.column - 1 } } : { start };
      out.push(
        codeFrame()(source, loc, {
          highlightCode: false,
          forceColor: options.color ?? false,
          linesAbove: 1,
          linesBelow: 1,
        }),
      );
    }
    if (d.expected !== undefined) out.push(`  ${c.dim('expected:')} ${d.expected}`);
    if (d.actual !== undefined) out.push(`  ${c.dim('actual:')}   ${d.actual}`);
    if (d.hint !== undefined) out.push(`  ${c.cyan('hint:')} ${d.hint}`);
    for (const r of d.related ?? []) {
      out.push(`  ${c.dim('see')} ${r.file}:${r.span.start.line}:${r.span.start.column} ${r.message}`);
    }
    out.push('');
  }
  const parts = [
    `${summary.errors} error${summary.errors === 1 ? '' : 's'}`,
    `${summary.warnings} warning${summary.warnings === 1 ? '' : 's'}`,
  ];
  if (summary.infos) parts.push(`${summary.infos} info`);
  const line = `${summary.errors || summary.warnings ? '✖' : '✔'} ${parts.join(', ')}${summary.files ? ` in ${summary.files} file${summary.files === 1 ? '' : 's'}` : ''}`;
  out.push(summary.errors ? c.red(c.bold(line)) : summary.warnings ? c.yellow(c.bold(line)) : c.green(c.bold(line)));
  return out.join('\n') + '\n';
}

function colors(on: boolean) {
  const wrap = (open: number, close: number) => (s: string) => (on ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    cyan: wrap(36, 39),
  };
}

/** @babel/code-frame, loaded when the first frame is printed (JSON output and clean runs never load it). */
let codeFrameColumns: typeof import('@babel/code-frame').codeFrameColumns | undefined;
const codeFrame = () => (codeFrameColumns ??= (createRequire(import.meta.url)('@babel/code-frame') as typeof import('@babel/code-frame')).codeFrameColumns);
