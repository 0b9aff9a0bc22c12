// Type test, checked by `pnpm typecheck`: every `@ts-expect-error` line must
// BE a type error, or tsc fails. It proves a diagnostic's rule id can only
// come from the one catalogue (issue 17: `render:unresolved-card`,
// `lab:render` and `render` were ids outside it).
import { FILE_START, diagnostic, type Diagnostic, type RuleId } from '../src/index.ts';

export const ok: Diagnostic = { file: 'a.md', span: FILE_START, ruleId: 'lab:missing-reference', severity: 'info', message: 'Not here.' };
export const imported: RuleId = 'killercoda:exec-action';
export const made: Diagnostic = diagnostic('lab:unknown-component', 'a.md', FILE_START, 'Unknown component.');

// @ts-expect-error an id outside the catalogue
export const renderOnly: Diagnostic = { file: 'a.md', span: FILE_START, ruleId: 'render:unresolved-card', severity: 'warning', message: 'x' };
// @ts-expect-error a bare name without its `lab:` prefix
export const bare: RuleId = 'render';
// @ts-expect-error diagnostic() takes content rules only (import rules carry their own severity)
diagnostic('killercoda:exec-action', 'a.md', FILE_START, 'x');
