// Finding 11 of issue 11, through the real CLI: each pathological file gives
// exit 1 with a positioned error naming it (not exit 70 "Unexpected internal
// error"), and the process's peak memory stays well under 500 MB over a
// baseline run. Precise time and memory figures: bench/parse-limits, docs/security.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathological } from '../../../sdk/test/security/pathological.ts';
import { labBin, tempDir } from '../helpers.ts';

const TIME = '/usr/bin/time';
const BASELINE = '---\nkind: tutorial\ntitle: A Baseline Tutorial\ndescription: Fine.\ncategories: [linux]\ncreatedAt: 2026-01-01\n---\n\nBody.\n';

/** `lab validate` on a folder holding `text` as its one item; peak RSS in MB. */
function validate(text: string): { code: number | null; stdout: string; peakMb: number } {
  const dir = tempDir('limits');
  mkdirSync(join(dir, 't'));
  writeFileSync(join(dir, 't/index.md'), text);
  const stats = join(dir, '..', `${dir.split('/').pop()}-time.txt`);
  const r = spawnSync(TIME, ['-f', '%M', '-o', stats, process.execPath, labBin, 'validate', dir, '--format', 'json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, peakMb: Number(readFileSync(stats, 'utf8').trim().split('\n').pop()) / 1024 };
}

describe.skipIf(!existsSync(TIME))('lab validate on hostile files', () => {
  const base = validate(BASELINE);
  const cases = pathological.filter((p) => ['yaml-alias-bomb', 'random-1mb', 'nested-quote-20000', 'nested-components-1000', 'brackets-5mb', 'brackets-2mb', 'unclosed-front-matter-5mb', 'table-cells-100k'].includes(p.name));

  for (const p of cases) {
    it(`${p.name}: ${p.why} -> a positioned error, exit 1, bounded memory`, () => {
      expect(base.code).toBe(0);
      const r = validate(p.text());
      expect(r.code).toBe(1); // not 70
      const out = JSON.parse(r.stdout) as { diagnostics: Array<{ file: string; ruleId: string; severity: string; span: { start: { line: number } } }> };
      const errors = out.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.map((d) => `${d.file} ${d.ruleId}`)).toContain('t/index.md lab:content-limit');
      expect(errors.every((d) => d.span.start.line >= 1)).toBe(true);
      expect(r.peakMb - base.peakMb, `peak ${r.peakMb.toFixed(0)} MB, baseline ${base.peakMb.toFixed(0)} MB`).toBeLessThan(500);
    }, 60_000);
  }
});
