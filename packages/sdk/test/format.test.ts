import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatDiagnostics, loadContent, summarize } from '../src/index.ts';

const root = join(import.meta.dirname, 'fixtures/rules/unknown-need');

describe('formatDiagnostics', async () => {
  const graph = await loadContent(root);
  const readSource = (f: string) => graph.documents.get(f)?.parsed.source;

  it('prints location, message, rule, a code frame pointing at the span, and a summary', () => {
    const out = formatDiagnostics(graph.diagnostics, { readSource });
    expect(out).toContain('typo/index.md:12:9 error Task "verify_b" needs "verify_aa", which is not defined. Did you mean "verify_a"? lab:unknown-need');
    expect(out).toContain('> 12 |       - verify_aa');
    expect(out).toContain('     |         ^^^^^^^^^');
    expect(out.trimEnd().split('\n').at(-1)).toBe('✖ 1 error, 0 warnings in 1 file');
    expect(out).not.toContain('\u001b[');
  });

  it('prints the same data as JSON for CI', () => {
    const json = JSON.parse(formatDiagnostics(graph.diagnostics, { format: 'json' }));
    expect(json.summary).toEqual({ errors: 1, warnings: 0, infos: 0, files: 1 });
    expect(json.diagnostics[0]).toMatchObject({
      file: 'typo/index.md',
      ruleId: 'lab:unknown-need',
      severity: 'error',
      span: { start: { line: 12, column: 9 }, end: { line: 12, column: 18 } },
    });
  });

  it('never prints a code frame from a file Labkit refused to read (a symlink to a secret)', () => {
    const d = { file: 'a/__static__/link.txt', span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, severity: 'error' as const, ruleId: 'lab:symlink-outside' as const, message: 'refused' };
    const out = formatDiagnostics([d], { readSource: () => 'TOP SECRET' });
    expect(out).toContain('lab:symlink-outside');
    expect(out).not.toContain('TOP SECRET');
  });

  it('says so when all is well', () => {
    expect(formatDiagnostics([])).toBe('✔ 0 errors, 0 warnings\n');
    expect(summarize([])).toEqual({ errors: 0, warnings: 0, infos: 0, files: 0 });
  });
});
