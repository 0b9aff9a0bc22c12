/**
 * bench/build: `lab build` on generated pages (see generate-content.ts):
 * cold build time and peak RSS of the whole process tree, memory over
 * time, a one-file rebuild from the CLI (a fresh `lab build`), the same
 * rebuild under `lab build --watch` (save to page written, the graph kept
 * in the process; checkouts that have it), and (with --astro) a plain
 * Astro 7 project (glob loader + unified/remark-mdc) on the same files.
 *
 *   node bench/build/run.ts [--pages 3000] [--runs 3] [--baseline /work/baseline] [--astro]
 *   node bench/build/run.ts --scale 300,1000,3000,10000     # how cost grows (this checkout only)
 *   node bench/build/run.ts --real --pages 300 [--runs 3] [--baseline ...]
 *   node bench/build/run.ts --pages 3000 --code bundle --baseline-code dist
 *
 * --real builds copies of the iximiuz sample tutorial instead (read from
 * ../shared/corpus: 62 KB of Markdown with 70 code blocks and 8 images,
 * 1 MB, per copy), the cost generated pages hide; the rebuild edits a
 * heading of the first copy.
 *
 * Each run takes minutes and both cores: on a shared machine run it under
 * `flock /tmp/labkit-heavy.lock`. --help (or any unknown flag) prints this
 * and builds nothing.
 *
 * With --baseline <checkout> every run builds with both checkouts, taking
 * turns (baseline, current, current, baseline, ...), so both see the same
 * machine load; the table shows medians. --code / --baseline-code pick the
 * code `lab` runs (LABKIT_CODE: source, bundle, dist) for the current and
 * the baseline checkout; --baseline-code alone compares this checkout with
 * itself run two ways (e.g. `--code bundle --baseline-code dist`). Timings depend on the machine and
 * on what else runs: they are printed with the load average, never asserted.
 */
import { existsSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import path from 'node:path';
import { editedHeading, prepareBenchContent } from './generate-content.ts';
import { writeAstroBaseline } from './astro-baseline.ts';
import { arg, baselineCheckout, codeEnv, load, median, memoryLine, run, secs, type Run } from '../lib/measure.ts';

// --help prints the usage above and builds nothing (the bench runs for minutes: an unknown flag must not start it).
const known = new Set(['--pages', '--runs', '--baseline', '--astro', '--scale', '--real', '--code', '--baseline-code']);
const unknown = process.argv.slice(2).filter((a) => a.startsWith('--') && !known.has(a.split('=')[0]!));
if (unknown.length) {
  const usage = readFileSync(import.meta.filename, 'utf8').split('*/')[0]!.replace(/^\/\*\*\n/, '').replace(/^ \* ?/gm, '');
  console.log(usage.trim());
  process.exit(unknown.every((a) => a === '--help') ? 0 : 2);
}

const repo = path.resolve(import.meta.dirname, '../..');
const count = Number(arg('pages') ?? 3000);
const runs = Number(arg('runs') ?? 3);
const baseline = baselineCheckout(repo);
const work = path.join(repo, 'bench/.out/build');
const node = process.execPath;
const real = process.argv.includes('--real');
/** The heading the rebuilds edit in the first page. */
const heading = editedHeading(real);

interface Sample {
  cold: Run;
  coldPhases: Record<string, number>;
  rebuild: Run;
  rebuildSummary: { mode: string; pagesWritten: number; timings: Record<string, number> };
  edited: boolean;
  /** `lab build --watch`: save → changed page written (median of the saves), or undefined without --watch. */
  watch?: { ms: number[]; timings: Record<string, number>; edited: boolean };
}

/**
 * `lab build --watch --format json` over the previous output: waits for its
 * first build, then saves `file` `saves` times (a new marker each time) and
 * takes the time from each write to the JSON line of the build it set off.
 */
async function watchRebuilds(lab: string, checkout: string, content: string, out: string, file: string, env: Record<string, string>, saves: number): Promise<Sample['watch']> {
  const child = spawn(node, [lab, 'build', content, '--out', out, '--watch', '--format', 'json'], { cwd: checkout, env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(((await lines.next()).value as string | undefined) ?? 'null') as { mode: string; pagesWritten: number; timings: Record<string, number> } | null;
  try {
    if (!(await next())) return undefined;
    const original = readFileSync(file, 'utf8');
    const ms: number[] = [];
    let timings: Record<string, number> = {};
    let edited = true;
    try {
      for (let i = 0; i < saves; i++) {
        const marker = `watch-${i}-${Date.now()}`;
        const t0 = performance.now();
        writeFileSync(file, original.replace(heading, `${heading} (${marker})`));
        // A save can reach the watcher as two events: a build that wrote nothing is the previous save's second one.
        let r = await next();
        for (let extra = 0; r && r.pagesWritten === 0 && extra < 3; extra++) r = await next();
        ms.push(performance.now() - t0);
        timings = r?.timings ?? {};
        edited &&= r?.pagesWritten === 1 && readFileSync(path.join(out, 'tutorials/tutorial-0/index.html'), 'utf8').includes(marker);
      }
    } finally {
      writeFileSync(file, original);
    }
    return { ms, timings, edited };
  } finally {
    // Gone before the next sample empties the cache folders it may still be writing to.
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  }
}

/** A cold build (no cache, no previous output) then a one-file rebuild, with the `lab` of `checkout`. */
async function sample(checkout: string, content: string, firstFile: string, tag: string, code: Record<string, string> = {}): Promise<Sample> {
  const lab = path.join(checkout, 'packages/cli/bin/lab.js');
  const out = path.join(work, `dist-${tag}`);
  // A private, emptied Labkit cache: the SDK's parse cache would otherwise keep the previous run's parse.
  const env = { LABKIT_CACHE: path.join(work, `labkit-cache-${tag}`), ...code };
  rmSync(out, { recursive: true, force: true });
  rmSync(path.join(work, '.labkit-cache'), { recursive: true, force: true });
  rmSync(env.LABKIT_CACHE, { recursive: true, force: true });
  const cold = await run(node, [lab, 'build', content, '--out', out, '--force', '--format', 'json'], checkout, env, 100);
  const coldPhases = (JSON.parse(cold.stdout) as { timings: Record<string, number> }).timings;
  const original = readFileSync(firstFile, 'utf8');
  const marker = `edited-${tag}-${Date.now()}`;
  if (!original.includes(heading)) throw new Error(`${firstFile} has no "${heading}" to edit`);
  writeFileSync(firstFile, original.replace(heading, `${heading} (${marker})`));
  try {
    const rebuild = await run(node, [lab, 'build', content, '--out', out, '--format', 'json'], checkout, env, 50);
    const rebuildSummary = JSON.parse(rebuild.stdout) as Sample['rebuildSummary'];
    const edited = readFileSync(path.join(out, 'tutorials/tutorial-0/index.html'), 'utf8').includes(marker);
    writeFileSync(firstFile, original);
    const watch = existsSync(path.join(checkout, 'packages/site/src/build/watch-build.ts')) ? await watchRebuilds(lab, checkout, content, out, firstFile, env, 5) : undefined;
    return { cold, coldPhases, rebuild, rebuildSummary, edited, ...(watch ? { watch } : {}) };
  } finally {
    writeFileSync(firstFile, original);
    rmSync(out, { recursive: true, force: true });
  }
}

function prepare(pages: number): { content: string; firstFile: string } {
  const content = path.join(work, `content-${real ? 'real-' : ''}${pages}`);
  console.log(`bench/build: ${real ? 'copying the iximiuz sample tutorial' : 'generating'} ${pages} pages…`);
  const { firstFile } = prepareBenchContent(content, pages, real, path.join(repo, '../shared/corpus/iximiuz-samples'));
  return { content, firstFile };
}

mkdirSync(work, { recursive: true });
const scale = arg('scale');
if (scale) {
  // How cost grows with content size: this checkout, one run per size.
  const rows: string[] = [];
  for (const n of scale.split(',').map(Number)) {
    const { content, firstFile } = prepare(n);
    const s = await sample(repo, content, firstFile, `scale-${n}`);
    rows.push(`| ${n} | ${secs(s.cold.ms)} | ${(s.cold.ms / n).toFixed(1)} ms | ${s.cold.peakMb.toFixed(0)} MB | ${secs(s.rebuild.ms)} | ${s.watch ? secs(median(s.watch.ms)) : '–'} | ${load()} |`);
    console.log(rows.at(-1));
    console.log(`  memory over time (cold, ${n}): ${memoryLine(s.cold.samples)}`);
    rmSync(content, { recursive: true, force: true });
  }
  console.log('\n| pages | cold build | per page | peak RSS (tree) | one-file rebuild | rebuild under --watch | load (1/5/15 min) |\n|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  process.exit(0);
}

const { content, firstFile } = prepare(count);
const checkouts: Array<['before' | 'after', string]> = baseline ? [['before', path.resolve(baseline)], ['after', repo]] : [['after', repo]];
const results: Record<'before' | 'after', Sample[]> = { before: [], after: [] };
const loads: string[] = [];
for (let i = 0; i < runs; i++) {
  // Alternate which checkout goes first, so neither always runs on a warmer (or busier) machine.
  const order = i % 2 === 0 ? checkouts : [...checkouts].reverse();
  for (const [label, checkout] of order) {
    loads.push(load());
    console.log(`run ${i + 1}/${runs} ${label} (${checkout}), load ${loads.at(-1)}…`);
    const s = await sample(checkout, content, firstFile, `${label}-${i}`, codeEnv(label));
    console.log(`  cold ${secs(s.cold.ms)} peak ${s.cold.peakMb.toFixed(0)} MB phases ${JSON.stringify(s.coldPhases)}`);
    console.log(`  memory over time: ${memoryLine(s.cold.samples)}`);
    if (s.watch) console.log(`  --watch rebuilds ${s.watch.ms.map((x) => secs(x)).join(', ')} edit-visible=${s.watch.edited} phases ${JSON.stringify(s.watch.timings)}`);
    // snapshotRestored=1: the rebuild started from the graph snapshot the cold build wrote (snapshotChanged files parsed again).
    console.log(`  rebuild ${secs(s.rebuild.ms)} peak ${s.rebuild.peakMb.toFixed(0)} MB mode=${s.rebuildSummary.mode} written=${s.rebuildSummary.pagesWritten} edit-visible=${s.edited} phases ${JSON.stringify(s.rebuildSummary.timings)}`);
    results[label].push(s);
  }
}

let astroMs: number | undefined;
if (process.argv.includes('--astro')) {
  console.log('plain Astro 7 (glob loader, unified + remark-mdc)…');
  const baselineDir = path.join(repo, 'packages/site/.build/bench-astro-baseline');
  writeAstroBaseline(baselineDir, content);
  const astro = await run(node, [path.join(repo, 'packages/site/node_modules/astro/bin/astro.mjs'), 'build', '--silent'], baselineDir);
  astroMs = astro.ms;
  rmSync(baselineDir, { recursive: true, force: true });
}

const col = (label: 'before' | 'after', f: (s: Sample) => number, unit: (x: number) => string) => (results[label].length ? `${unit(median(results[label].map(f)))} (${results[label].map((s) => unit(f(s))).join(', ')})` : '–');
const mb = (x: number) => `${x.toFixed(0)} MB`;
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
console.log(`\nbench/build: ${count} content pages${real ? ' (copies of the iximiuz sample tutorial)' : ''}, ${runs} runs per checkout, interleaved; medians (all runs). Load during the runs: ${loads.join(' | ')}\n`);
console.log('| What | Before | After | Goal |\n|---|---|---|---|');
console.log(`| \`lab build\` cold | ${col('before', (s) => s.cold.ms, secs)} | ${col('after', (s) => s.cold.ms, secs)} | |`);
console.log(`| peak RSS of the process tree | ${col('before', (s) => s.cold.peakMb, mb)} | ${col('after', (s) => s.cold.peakMb, mb)} | ≤ ${count > 5000 ? '1.3 GB' : '1.0 GB'} |`);
if (astroMs !== undefined) console.log(`| cold vs plain Astro 7 + remark-mdc (${secs(astroMs)}) | ${col('before', (s) => s.cold.ms / astroMs!, (x) => `${x.toFixed(2)}×`)} | ${col('after', (s) => s.cold.ms / astroMs!, (x) => `${x.toFixed(2)}×`)} | ≤ 0.35× |`);
console.log(`| one-file rebuild from the CLI | ${col('before', (s) => s.rebuild.ms, secs)} | ${col('after', (s) => s.rebuild.ms, secs)} | ≤ 1.5 s |`);
console.log(`| rebuild / cold build | ${col('before', (s) => s.rebuild.ms / s.cold.ms, pct)} | ${col('after', (s) => s.rebuild.ms / s.cold.ms, pct)} | ≤ 8% |`);
const watchCol = (label: 'before' | 'after') => (results[label].some((s) => s.watch) ? col(label, (s) => median(s.watch?.ms ?? [NaN]), secs) : '– (no --watch)');
console.log(`| one-file rebuild under \`lab build --watch\` (median of 5 saves) | ${watchCol('before')} | ${watchCol('after')} | ≤ 1.5 s |`);
for (const label of ['before', 'after'] as const) {
  const last = results[label].at(-1);
  if (last) console.log(`\nmemory over time, ${label} (cold, last run): ${memoryLine(last.cold.samples)}`);
}
