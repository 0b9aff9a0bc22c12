import { styleText } from 'node:util';
import type { BackendState } from './preview-backend.ts';

export interface UpdateSummary {
  state: BackendState;
  /** Files named by the watcher in this update (0 for the first load). */
  changedFiles: number;
  rescan: boolean;
  durationMs: number;
}

export interface ReporterStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/**
 * The terminal side of `lab dev`. On a TTY the screen is redrawn in place on
 * each update (header, current diagnostics with code frames, summary line);
 * elsewhere (CI logs, pipes) each update appends its summary, and the
 * diagnostics only when they changed.
 */
type Style = Parameters<typeof styleText>[0];
// Colours only on a terminal that wants them (NO_COLOR, pipes and CI logs stay plain).
let useColor = false;
const paint = (style: Style) => (text: string) => (useColor ? styleText(style, text, { validateStream: false }) : text);
const pc = {
  bold: paint('bold'),
  dim: paint('dim'),
  cyan: paint('cyan'),
  red: paint('red'),
  green: paint('green'),
  yellow: paint('yellow'),
};

export class TerminalReporter {
  readonly #out: ReporterStream;
  readonly #tty: boolean;
  #header = '';
  #lastDiagnostics = '';

  constructor(out: ReporterStream) {
    this.#out = out;
    this.#tty = Boolean(out.isTTY);
    useColor = this.#tty && !process.env['NO_COLOR'];
  }

  get color(): boolean {
    return useColor;
  }

  started(url: string, contentDir: string, exposed: boolean): void {
    const lines = [`${pc.bold('lab dev')} ${pc.dim(contentDir)}`, `  preview ${pc.cyan(url)}`];
    if (exposed) lines.push(pc.yellow('  exposed beyond this machine (--host): anyone on the network can read the preview'));
    this.#header = lines.join('\n') + '\n';
    if (this.#tty) this.#out.write(`\x1b[2J\x1b[3J\x1b[H${this.#header}\n${pc.dim('loading the content…')}\n`);
    else this.#out.write(this.#header);
  }

  update(summary: UpdateSummary, diagnosticsText: string): void {
    const line = summaryLine(summary);
    if (this.#tty) {
      // Clear screen + scrollback, cursor home: the view always shows the current state only.
      const body = diagnosticsText ? `\n${diagnosticsText.trimEnd()}\n` : '';
      this.#out.write(`\x1b[2J\x1b[3J\x1b[H${this.#header}${body}\n${line}\n`);
      return;
    }
    if (diagnosticsText !== this.#lastDiagnostics && diagnosticsText) this.#out.write(`${diagnosticsText.trimEnd()}\n`);
    this.#lastDiagnostics = diagnosticsText;
    this.#out.write(`${line}\n`);
  }

  failure(message: string): void {
    this.#out.write(`${pc.red('lab dev:')} ${message}\n`);
  }
}

export function summaryLine({ state, changedFiles, rescan, durationMs }: UpdateSummary): string {
  const errors = state.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = state.diagnostics.filter((d) => d.severity === 'warning').length;
  const mark = errors ? pc.red('✖') : warnings ? pc.yellow('▲') : pc.green('✔');
  const what = rescan
    ? `re-scanned the folder (${changedFiles} changes)`
    : changedFiles === 0
      ? `loaded ${state.parsedFiles} file${state.parsedFiles === 1 ? '' : 's'}`
      : `${changedFiles} change${changedFiles === 1 ? '' : 's'}, re-parsed ${state.parsedFiles} file${state.parsedFiles === 1 ? '' : 's'}`;
  const time = new Date().toTimeString().slice(0, 8);
  return `${mark} ${state.itemCount} items · ${plural(errors, 'error')} · ${plural(warnings, 'warning')} · ${what} in ${Math.round(durationMs)} ms ${pc.dim(time)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
