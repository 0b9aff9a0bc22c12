// Fuzz test of the parse pipeline (issue 11, finding 11): thousands of
// files mutated from the examples and the iximiuz samples, plus the known
// pathological inputs. Every file must give either a clean parse or
// positioned diagnostics naming it, never an exception, and each within its
// time bound. FUZZ_SEED replays another draw; FUZZ_FILES changes the count.
// Cost: about 36 s of CPU for the file (2 cores: under a minute when idle; the
// timeouts allow for a shared, loaded machine).
import { readdirSync, readFileSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentLimits, parseDocument, type ParsedDocument } from '../../src/index.ts';
import { parseInThreads } from '../../src/graph/workers.ts';
import { estimateParseMs } from '../../src/parse/limits.ts';
import { pathological } from './pathological.ts';
import { corpusPath, hasCorpus } from '../../../../test-support/corpus.ts';
import { rng } from '../../../../test-support/markdown.ts';

const repo = resolve(import.meta.dirname, '../../../..');
// The samples add seeds where the corpus is on this machine (CI has it).
const seedDirs = [join(repo, 'examples'), ...(hasCorpus ? [corpusPath('iximiuz-samples')] : [])];
const SEED = Number(process.env['FUZZ_SEED'] ?? 20261202);
const FILES = Number(process.env['FUZZ_FILES'] ?? 2000);

function markdownUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const SPECIAL = ['[', ']', '(', ')', '<', '>', '{', '}', '*', '_', '~', '`', ':', '|', '!', '#', '-', '+', '=', '\n', ' ', '&', '"', "'", '\\', '::', '---', '```', '&a', '*a', '\t', '\u0000', '\uFFFD'];

function mutate(text: string, seeds: string[], r: () => number): string {
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  let s = text;
  const ops = 1 + int(4);
  for (let k = 0; k < ops; k++) {
    const at = int(s.length + 1);
    switch (int(10)) {
      case 0: // replace a character
        s = s.slice(0, at) + pick(SPECIAL) + s.slice(at + 1);
        break;
      case 1: // a run of one special character
        s = s.slice(0, at) + pick(SPECIAL).repeat(1 + int(r() < 0.2 ? 3000 : 60)) + s.slice(at);
        break;
      case 2: // delete a slice
        s = s.slice(0, at) + s.slice(at + int(400));
        break;
      case 3: { // duplicate a slice elsewhere
        const from = int(s.length);
        s = s.slice(0, at) + s.slice(from, from + int(600)) + s.slice(at);
        break;
      }
      case 4: { // splice in part of another file
        const other = pick(seeds);
        const from = int(other.length);
        s = s.slice(0, at) + other.slice(from, from + int(2000)) + s.slice(at);
        break;
      }
      case 5: { // nesting: quotes, lists or components, up to past the limit
        const depth = 1 + int(r() < 0.3 ? 80 : 12);
        const unit = pick(['> ', '- ', '1. ', '  - ']);
        const lines = pick([
          () => unit.repeat(depth) + 'x',
          () => Array.from({ length: depth }, (_, i) => unit.repeat(i + 1) + 'x').join('\n'),
          () => Array.from({ length: depth }, () => '::note').join('\n'),
          () => Array.from({ length: depth }, (_, i) => ':'.repeat(depth + 2 - i) + 'div{.a}').join('\n'),
        ])();
        s = s.slice(0, at) + '\n' + lines + '\n' + s.slice(at);
        break;
      }
      case 6: { // YAML anchors and aliases in the front matter
        const n = 1 + int(12);
        let y = `z0: &z0 [${Array(n).fill('"x"').join(',')}]\n`;
        for (let i = 1; i < 1 + int(8); i++) y += `z${i}: &z${i} [${Array(n).fill(`*z${i - 1}`).join(',')}]\n`;
        s = s.startsWith('---\n') ? '---\n' + y + s.slice(4) : '---\n' + y + '---\n' + s;
        break;
      }
      case 7: // truncate
        s = s.slice(0, at);
        break;
      case 8: { // random code points
        let junk = '';
        for (let i = int(300); i > 0; i--) junk += String.fromCharCode(int(0x3000));
        s = s.slice(0, at) + junk + s.slice(at);
        break;
      }
      default: // lose the closing front matter fence
        s = s.replace(/\n---\n/, '\n');
    }
  }
  return s;
}

/** Every diagnostic names the file and sits on a real line:column; the tree is a root. */
function checkResult(doc: ParsedDocument, file: string, text: string): void {
  expect(doc.file).toBe(file);
  expect(doc.mdast.type).toBe('root');
  const lines = text.split('\n').length;
  for (const d of doc.diagnostics) {
    expect(d.file, d.message).toBe(file);
    expect(d.ruleId).toMatch(/^lab:[a-z-]+$/);
    expect(['error', 'warning', 'info']).toContain(d.severity);
    expect(d.span.start.line).toBeGreaterThanOrEqual(1);
    expect(d.span.start.column).toBeGreaterThanOrEqual(1);
    expect(d.span.start.line).toBeLessThanOrEqual(lines);
    expect(d.span.end.line).toBeGreaterThanOrEqual(d.span.start.line);
    expect(d.message.length).toBeGreaterThan(10);
  }
}

describe('parser fuzz', () => {
  const seeds = seedDirs.flatMap(markdownUnder).map((f) => readFileSync(f, 'utf8'));

  it(`${FILES} mutated files: each a clean parse or positioned diagnostics, each within its bound`, async () => {
    expect(seeds.length).toBeGreaterThan(20);
    const r = rng(SEED);
    const guarded: Array<{ file: string; source: string }> = [];
    let inPlace = 0;
    let limited = 0;
    let slowest = 0;
    for (let i = 0; i < FILES; i++) {
      const base = seeds[Math.floor(r() * seeds.length)]!;
      // A window of the file keeps the run short; the front matter stays.
      const start = base.length > 6000 && r() < 0.7 ? Math.floor(r() * (base.length - 4000)) : 0;
      const text = mutate(start ? base.slice(0, 200) + base.slice(start, start + 4000) : base, seeds, r);
      const file = `fuzz/${i}.md`;
      // Routed as parseInThreads routes them: risky files to the guarded pool.
      if (text.length <= contentLimits.maxChars && (text.length > contentLimits.guardAboveChars || estimateParseMs(text) > contentLimits.inPlaceBudgetMs)) {
        guarded.push({ file, source: text });
        continue;
      }
      // In place, as loadContent parses small files: CPU time for each one
      // (wall time on a shared 2-core machine says more about the neighbours).
      const t = process.cpuUsage();
      let doc: ParsedDocument | undefined;
      try {
        doc = parseDocument(text, { file });
      } catch (error) {
        throw new Error(`parseDocument threw on a mutated file (seed ${SEED}, file ${i}): ${String(error)}\n${JSON.stringify(text.slice(0, 300))}`);
      }
      const used = process.cpuUsage(t);
      const ms = (used.user + used.system) / 1000;
      slowest = Math.max(slowest, ms);
      // Generous: the estimate routed this file here as cheap (in-place budget).
      expect(ms, `file ${i} (seed ${SEED}) took ${ms.toFixed(0)} ms of CPU in place`).toBeLessThan(1500);
      checkResult(doc, file, text);
      if (doc.diagnostics.some((d) => d.ruleId === 'lab:content-limit')) limited++;
      inPlace++;
    }
    // Larger files go through the guarded worker pool, as in loadContent.
    const docs = await parseInThreads(guarded, 2);
    docs.forEach((doc, k) => checkResult(doc, guarded[k]!.file, guarded[k]!.source));
    limited += docs.filter((d) => d.diagnostics.some((x) => x.ruleId === 'lab:content-limit')).length;
    expect(inPlace + guarded.length).toBe(FILES);
    // The mutations do reach the limits, and most files still parse.
    expect(limited).toBeGreaterThan(0);
    expect(limited).toBeLessThan(FILES / 2);
    console.log(`fuzz: ${inPlace} in place (slowest ${slowest.toFixed(0)} ms), ${guarded.length} guarded, ${limited} over a limit`);
  }, 150_000);

  it('the pathological inputs end in a positioned error (lab:content-limit or a YAML error), each within its time bound', async () => {
    const jobs = pathological.map((p) => ({ file: `${p.name}.md`, source: p.text() }));
    const docs = await parseInThreads(jobs, 2);
    docs.forEach((doc, i) => checkResult(doc, jobs[i]!.file, jobs[i]!.source));
    // Mostly lab:content-limit (deep YAML is a YAML syntax error); one that
    // fits in its second of CPU time may also just parse.
    const stopped = docs.filter((d) => d.diagnostics.some((x) => x.ruleId === 'lab:content-limit')).map((d) => d.file);
    for (const name of ['yaml-alias-bomb', 'random-1mb', 'nested-quote-20000', 'nested-list-20000', 'nested-components-1000', 'brackets-5mb', 'brackets-2mb', 'unclosed-front-matter-5mb', 'braces-100k']) {
      expect(stopped).toContain(`${name}.md`);
    }
    // Each guarded file stops after 1 s of the worker's CPU time: that it
    // stopped is the lab:content-limit above. No wall-clock bound here: on a
    // shared 2-core machine wall time measures the neighbours, not the guard.
  }, 150_000);
});
