import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatDiagnostics, parseDocument, renderDocument, type Diagnostic, type ParsedDocument } from '@labkit/sdk';
import type { BackendState, DevDiagnostic, PreviewBackend, RenderedPage } from './preview-backend.ts';
import { renderPreviewPage, renderPreviewCatalog, type PreviewItem } from './preview-pages.ts';

interface Entry {
  doc: ParsedDocument;
  /** Rendered body, computed lazily, dropped when the file changes. */
  html?: string;
}

/**
 * The content side of `lab dev` over the SDK: every Markdown file parsed
 * once by the SDK's one pipeline, kept in memory, and re-parsed only when the
 * watcher names it. A page's body HTML comes from the SDK's renderer and is
 * rendered at most once per change.
 */
export async function createSdkPreviewBackend(contentDir: string): Promise<PreviewBackend> {
  const entries = new Map<string, Entry>();
  let parsedFiles = 0;

  const rel = (abs: string) => path.relative(contentDir, abs).split(path.sep).join('/');

  const parseFile = async (abs: string, into = entries): Promise<boolean> => {
    let source: string;
    try {
      source = await readFile(abs, 'utf8');
    } catch {
      into.delete(abs);
      return false;
    }
    const previous = entries.get(abs);
    if (previous && previous.doc.source === source) {
      into.set(abs, previous);
      return false;
    }
    into.set(abs, { doc: parseDocument(source, { file: rel(abs) }) });
    return true;
  };

  const state = (): BackendState => {
    let itemCount = 0;
    for (const [abs, entry] of entries) if (isItemFile(abs) && entry.doc.frontMatter.data !== undefined) itemCount++;
    return { itemCount, diagnostics: allDiagnostics().map(toDevDiagnostic), parsedFiles };
  };

  const allDiagnostics = (): Diagnostic[] => [...entries.values()].flatMap((e) => e.doc.diagnostics);

  const toDevDiagnostic = (d: Diagnostic): DevDiagnostic => {
    const source = [...entries.values()].find((e) => e.doc.file === d.file)?.doc.source;
    const framed = formatDiagnostics([d], { readSource: () => source, color: false });
    // The formatter's first line is the location + message and its last the summary: keep the frame between.
    const frame = framed.split('\n').slice(1).filter((l) => !/^[✔✖] \d+ error/.test(l)).join('\n').trim();
    return {
      file: d.file,
      line: d.span.start.line,
      column: d.span.start.column,
      severity: d.severity,
      rule: d.ruleId,
      message: d.message,
      ...(frame ? { frame } : {}),
    };
  };

  const items = (): PreviewItem[] => {
    const out: PreviewItem[] = [];
    for (const [abs, entry] of entries) {
      if (!isItemFile(abs)) continue;
      const data = entry.doc.frontMatter.data as Record<string, unknown> | undefined;
      if (!data || typeof data !== 'object') continue;
      out.push({
        url: urlOf(rel(path.dirname(abs))),
        file: abs,
        kind: String(data['kind'] ?? 'page'),
        title: String(data['title'] ?? path.basename(path.dirname(abs))),
        description: typeof data['description'] === 'string' ? data['description'] : '',
      });
    }
    return out.sort((a, b) => a.title.localeCompare(b.title));
  };

  return {
    async load() {
      // Build the new map aside and swap: pages rendered meanwhile see the old state, never half of one.
      const files = await listMarkdown(contentDir);
      const fresh = new Map<string, Entry>();
      const parsed = await Promise.all(files.map((f) => parseFile(f, fresh)));
      entries.clear();
      for (const [k, v] of fresh) entries.set(k, v);
      parsedFiles = parsed.filter(Boolean).length;
      return state();
    },
    async update(paths) {
      parsedFiles = 0;
      for (const p of paths) {
        // A removed folder: forget everything under it.
        for (const abs of entries.keys()) if (abs.startsWith(p + path.sep)) entries.delete(abs);
        if (p.endsWith('.md') && (await parseFile(p))) parsedFiles++;
      }
      return state();
    },
    async render(urlPath): Promise<RenderedPage | undefined> {
      if (urlPath === '/') return { html: renderPreviewCatalog(items()) };
      const item = items().find((i) => i.url === urlPath);
      if (!item) return undefined;
      const entry = entries.get(item.file);
      if (!entry) return undefined;
      entry.html ??= (
        await renderDocument(entry.doc.mdast, {
          preview: true,
          resolveAsset: (src) => (src.startsWith('__static__/') ? { url: `${item.url}/${src}` } : undefined),
        })
      ).html;
      return { html: renderPreviewPage(item, entry.html), sourceFile: item.file };
    },
    formatDiagnostics({ color }) {
      const diagnostics = allDiagnostics();
      if (diagnostics.length === 0) return '';
      const sources = new Map([...entries.values()].map((e) => [e.doc.file, e.doc.source]));
      return formatDiagnostics(diagnostics, { readSource: (f) => sources.get(f), color });
    },
  };
}

function isItemFile(abs: string): boolean {
  return path.basename(abs) === 'index.md';
}

function urlOf(relDir: string): string {
  return '/' + relDir.split('/').map(encodeURIComponent).join('/');
}

async function listMarkdown(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === '__static__') continue;
      const abs = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(abs);
      else if (entry.name.endsWith('.md')) out.push(abs);
    }
  };
  await walk(dir);
  return out;
}
