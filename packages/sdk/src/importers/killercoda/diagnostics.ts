import type { Diagnostic, Severity, Span } from '../../diagnostics/diagnostic.ts';

/**
 * The import rules: every Killercoda feature without a Labkit equivalent has
 * one, so nothing is dropped silently. `docs/import.md` lists them.
 */
export const killercodaRules = {
  'killercoda:invalid-json': 'index.json or structure.json is not valid JSON; the scenario is skipped.',
  'killercoda:missing-file': 'A file named by index.json or linked from Markdown does not exist.',
  'killercoda:outside-source': 'A file named by index.json, structure.json or linked from Markdown resolves (through `..`, an absolute path or a symlink) outside the scenario folder; it is not read.',
  'killercoda:unknown-field': 'An index.json / structure.json field with no Labkit equivalent; it is ignored.',
  'killercoda:exec-action': '`{{exec}}` runs a command in the learner terminal on click; Labkit has no click-to-run, the code stays a copyable code block.',
  'killercoda:copy-inline': 'Inline `{{copy}}`: Labkit inline code has no copy button (code blocks do).',
  'killercoda:foreground-script': 'A foreground script types into the learner terminal; it becomes an init task that runs unseen.',
  'killercoda:background-timing': 'A step or finish background script runs when its page opens; Labkit init tasks all run while the playground boots.',
  'killercoda:intro-title': 'The intro title has no place: the intro is the text before the first section.',
  'killercoda:traffic-selector': '`{{TRAFFIC_SELECTOR}}` (the port picker) has no equivalent; the link text is kept.',
  'killercoda:template-variable': 'A `{{VARIABLE}}` Killercoda fills in at run time has no equivalent.',
  'killercoda:raw-html': 'Raw HTML Labkit does not render; it is kept as written.',
  'killercoda:cosmetic-html': 'Spacing HTML (`<br>`) or image sizes that Markdown cannot express were dropped.',
  'killercoda:nested-details': 'A `<details>` inside another one; details-box cannot nest, so it becomes a bold paragraph.',
  'killercoda:asset-static': 'An asset that cannot be a startup file (binary, or over 32 KiB) is published under `__static__/` but not placed on the machine.',
  'killercoda:asset-init-task': 'Text assets past the 10 startup files per machine are written by an init task instead.',
  'killercoda:asset-host': 'An asset for a host the playground does not have.',
  'killercoda:playground': 'How the Killercoda backend image was mapped to a Labkit playground, and what differs.',
  'killercoda:solution-script': 'A challenge got a `.solution.sh` for `lab test`, made of its `{{exec}}` blocks; the author should review it.',
  'killercoda:layout': 'An interface layout with no Labkit tab equivalent.',
  'killercoda:metadata': 'A required Labkit field Killercoda lacks was filled in (title padded, description, difficulty).',
} as const;

export type KillercodaRuleId = keyof typeof killercodaRules;

/** Collects diagnostics for one import run. */
export class DiagnosticSink {
  readonly list: Diagnostic[] = [];

  add(file: string, span: Span, ruleId: KillercodaRuleId, severity: Severity, message: string, hint?: string): void {
    const d: Diagnostic = { file, span, ruleId, severity, message };
    if (hint) d.hint = hint;
    this.list.push(d);
  }
}

/** A one-point span at 1-based line and column. */
export function at(line: number, column: number, length = 0): Span {
  return { start: { line, column }, end: { line, column: column + length } };
}
