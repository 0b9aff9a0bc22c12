import { reparseDocument } from '../../parse/incremental.ts';
import type { ParsedDocument } from '../../parse/parse-document.ts';
import type { ParseCache } from '../parse-cache.ts';
import { parseInThreads, threadCount, type ParseGuard, type TreeKeep } from '../workers.ts';
import type { ReadFile } from './read-files.ts';

/**
 * Phase 2: parses every content document once. A file whose text is the
 * one parsed last time keeps its result (same object), then the on-disk
 * cache is asked, a file parsed before is re-parsed around its change when
 * that is certain to equal a full parse, and only the rest is parsed (in
 * worker threads when there are many). `parsed` is updated in place and pruned to `files`.
 */
export async function parseMarkdown(
  mdFiles: readonly string[],
  files: ReadonlySet<string>,
  parsed: Map<string, ParsedDocument>,
  cache: ParseCache | undefined,
  read: ReadFile,
  options: { workers?: number | 'auto' | undefined; parseGuard?: ParseGuard | undefined; trees?: TreeKeep | undefined },
  /** Files whose entry in `parsed` is current by their stamp (a graph snapshot's): not read. */
  known?: ReadonlySet<string>,
): Promise<void> {
  const toParse: string[] = [];
  const reparsed: ParsedDocument[] = [];
  for (const rel of mdFiles) {
    if (known?.has(rel) && parsed.has(rel)) continue;
    const text = read(rel);
    if (text === undefined) continue;
    const prev = parsed.get(rel);
    if (prev && prev.source === text) continue;
    // A save in lab dev: only the blocks around the change, when that is
    // certain to give the full parse's tree (parse/incremental.ts).
    // Not over a tree cut down to what the rules read (`trees: 'rules'`, a
    // load that renders nothing): the kept blocks would not be whole.
    const again = prev && options.trees !== 'rules' && reparseDocument(prev, text, options.parseGuard);
    if (again) {
      parsed.set(rel, again);
      reparsed.push(again);
      continue;
    }
    const cached = cache?.get(rel, text);
    if (cached) parsed.set(rel, cached);
    else toParse.push(rel);
  }
  const jobs = toParse.map((rel) => ({ file: rel, source: read(rel) ?? '' }));
  let chars = 0;
  for (const j of jobs) chars += j.source.length;
  const results = await parseInThreads(
    jobs,
    threadCount(options.workers, jobs.length, chars),
    options.parseGuard,
    // The pack serves other commands (lab build renders its trees): whole trees only.
    cache ? 'full' : (options.trees ?? 'full'),
  );
  for (const doc of results) parsed.set(doc.file, doc);
  for (const key of [...parsed.keys()]) if (!files.has(key)) parsed.delete(key);
  if (cache) {
    // A file stopped by a limit is parsed again next time (a timeout may not recur).
    for (const doc of results) if (!doc.diagnostics.some((d) => d.ruleId === 'lab:content-limit')) cache.set(doc);
    for (const doc of reparsed) cache.set(doc);
    cache.prune(new Set(parsed.keys()));
    cache.save();
  }
}
