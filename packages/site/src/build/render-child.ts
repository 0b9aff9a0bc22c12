/**
 * The render phase of `lab build` in a child process of its own (forked by
 * `build()` for big one-shot builds): it loads the content graph, renders,
 * spools the pages to disk and sends back only what the rest of the build
 * needs (digests, search text, the changed pages). When it exits, the
 * graph's memory, the render workers' and their allocator arenas all go
 * back to the system before Astro starts.
 */
import os from 'node:os';
import { phaseTimer, renderPhase, type RenderJob } from './build-site.ts';

process.once('message', (job: RenderJob) => {
  const { timings, lap } = phaseTimer();
  // On two cores or fewer the child renders on its own thread only: a render
  // worker (its V8 isolate and highlighter) measured ~400 MB more peak at
  // 3,000 pages, for a render phase up to ~1.6x faster on an idle machine.
  const threads = os.availableParallelism() <= 2 ? 'one' : 'auto';
  renderPhase(job.dir, job.outDir, job.cacheDir, job.options, (phase, message) => process.send!({ type: 'progress', phase, message }), lap, threads).then(
    (r) => {
      const { client: _client, changed, ...rest } = r;
      process.send!({ type: 'done', timings, result: { ...rest, ...(changed ? { changed: [...changed] } : {}) } }, () => process.exit(0));
    },
    (error: unknown) => {
      const e = error as { code?: string; message?: string; stack?: string };
      process.send!({ type: 'error', error: { code: e?.code, message: e?.message ?? String(error), stack: e?.stack } }, () => process.exit(1));
    },
  );
});
