// The iximiuz format reference (../shared/corpus/iximiuz-samples/format-reference/)
// and the self-documenting samples it links to: every field, component and
// prop they name must be accepted, not reported as unknown. Read in place,
// never copied into the repository.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseDocument as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import type { Nodes, Root } from 'mdast';
import { categories, componentRegistry, getComponent, loadContent, parseDocument, readComponentProps, taskSchema } from '../src/index.ts';
import { corpusPath, describeCorpus } from '../../../test-support/corpus.ts';

const samples = corpusPath('iximiuz-samples');
const reference = join(samples, 'format-reference');
const present = existsSync(reference);

/** Sample files the reference docs link to (raw GitHub URLs → the local copy). */
function linkedSamples(): string[] {
  const out = new Set<string>();
  for (const f of readdirSync(reference)) {
    const text = readFileSync(join(reference, f), 'utf8');
    for (const m of text.matchAll(/refs\/heads\/main\/([\w./-]+\.md)/g)) out.add(m[1]!);
  }
  return [...out].sort();
}

interface Fence {
  lang: string;
  value: string;
  file: string;
  line: number;
}

function fencesOf(root: Root, file: string): Fence[] {
  const out: Fence[] = [];
  const walk = (n: Nodes): void => {
    if (n.type === 'code') out.push({ lang: (n.lang ?? '').toLowerCase(), value: n.value, file, line: n.position?.start.line ?? 0 });
    if ('children' in n) for (const c of n.children) walk(c as Nodes);
  };
  walk(root);
  return out;
}

/** Components and props a body names that the registry does not know. */
function unknownComponentsAndProps(root: Root, where: string): string[] {
  const out: string[] = [];
  const walk = (n: Nodes): void => {
    if (n.type === ('containerComponent' as never) || n.type === ('leafComponent' as never) || n.type === ('textComponent' as never)) {
      const node = n as unknown as { name: string; attributes?: Record<string, unknown>; fmAttributes?: Record<string, unknown>; rawData?: string };
      const spec = getComponent(node.name);
      if (!spec) out.push(`${where}: component ${node.name}`);
      else {
        for (const prop of Object.keys(readComponentProps(node).values)) {
          if (!Object.hasOwn(spec.props, prop) && !['class', 'id', 'style'].includes(prop)) out.push(`${where}: prop ${node.name}.${prop}`);
        }
      }
    }
    if ('children' in n) for (const c of n.children) walk(c as Nodes);
  };
  walk(root);
  return out;
}

const taskFields = Object.keys((taskSchema as unknown as { shape: Record<string, unknown> }).shape);
const allProps = new Set(Object.values(componentRegistry).flatMap((c) => Object.keys(c.props)));

const tmp = present ? mkdtempSync(join(os.tmpdir(), 'labkit-format-ref-')) : '';
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describeCorpus('iximiuz format reference', () => {
  const files = present ? linkedSamples() : [];

  it('links to samples that are on this machine', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) expect(existsSync(join(samples, f)), f).toBe(true);
  });

  it('every field, component and prop the linked samples use is known (nothing reported as unknown)', async () => {
    const graph = await loadContent(samples);
    const unknown = graph.diagnostics.filter((d) => d.unknown !== undefined || ['lab:unknown-field', 'lab:unknown-value', 'lab:unknown-component'].includes(d.ruleId));
    expect(unknown).toEqual([]);
    for (const f of files) expect(graph.documents.has(f), `${f} is loaded`).toBe(true);
  });

  it('every component and prop shown in the samples\' Markdown examples is known', () => {
    const problems: string[] = [];
    for (const f of files) {
      const doc = parseDocument(readFileSync(join(samples, f), 'utf8'), { file: f });
      problems.push(...unknownComponentsAndProps(doc.mdast, f));
      for (const fence of fencesOf(doc.mdast, f)) {
        if (fence.lang !== 'markdown' && fence.lang !== 'md') continue;
        problems.push(...unknownComponentsAndProps(parseDocument(fence.value, { file: f }).mdast, `${f}:${fence.line}`));
      }
    }
    expect(problems).toEqual([]);
  });

  it('every front matter field shown in the samples\' YAML examples is accepted', async () => {
    const problems: string[] = [];
    let n = 0;
    for (const f of files) {
      const doc = parseDocument(readFileSync(join(samples, f), 'utf8'), { file: f });
      for (const fence of fencesOf(doc.mdast, f)) {
        if (!fence.lang.startsWith('yaml') || !/^---\n[\s\S]*\n---\s*$/.test(fence.value.trim() + '\n') || !/^kind:/m.test(fence.value)) continue;
        // A whole front matter example: validate it as a document of its own
        // and keep only "unknown" findings (its values are placeholders).
        const dir = join(tmp, `fence-${n++}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'index.md'), fence.value.trim() + '\n');
        const graph = await loadContent(dir);
        for (const d of graph.diagnostics) if (d.ruleId === 'lab:unknown-field') problems.push(`${fence.file}:${fence.line}: ${d.message}`);
        // The closed category list it spells out is the one Labkit knows.
        const listed = [...fence.value.matchAll(/^#\s+-\s+([a-z][\w-]*)\s*$/gm)].map((m) => m[1]);
        if (listed.length) expect(listed.sort()).toEqual([...categories].sort());
      }
    }
    expect(n).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });

  it('every task field and component prop in the authoring guide is accepted', () => {
    const text = readFileSync(join(reference, 'challenge-authoring.md'), 'utf8');
    const doc = parseDocument(text, { file: 'challenge-authoring.md' });
    const problems: string[] = [];
    let tasks = 0;
    for (const fence of fencesOf(doc.mdast, 'challenge-authoring.md')) {
      if (fence.lang !== 'yaml') continue;
      // Snippets are indented fragments of a `tasks:` map, or prop lines
      // written twice to show two forms: parse leniently.
      const value = parseYaml(dedent(fence.value), { uniqueKeys: false }).toJS() as Record<string, unknown> | null;
      if (!value || typeof value !== 'object') continue;
      const entries = Object.entries(value['tasks'] && typeof value['tasks'] === 'object' ? (value['tasks'] as Record<string, unknown>) : value);
      for (const [key, v] of entries) {
        if (key.startsWith(':')) {
          if (!allProps.has(key.slice(1))) problems.push(`${fence.line}: prop ${key}`);
        } else if (v && typeof v === 'object' && !Array.isArray(v)) {
          tasks++;
          for (const field of Object.keys(v)) if (!taskFields.includes(field)) problems.push(`${fence.line}: task field ${field}`);
        }
      }
    }
    // The fields it names in prose (`machine:`, `timeout_seconds`, `destination:`, `failcheck:`...) too.
    for (const m of text.matchAll(/`(machine|timeout_seconds|needs|env|run|hintcheck|failcheck|init|user)(?::)?`/g)) {
      if (!taskFields.includes(m[1]!)) problems.push(`prose: task field ${m[1]}`);
    }
    if (!getComponent('user-input-task')?.props['destination']) problems.push('prop user-input-task.destination');
    expect(tasks).toBeGreaterThanOrEqual(3);
    expect(problems).toEqual([]);
  });

  it('carries a value Labkit does not know through to the model unchanged', async () => {
    const dir = join(tmp, 'open-values', 'future-challenge');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'index.md'),
      '---\nkind: challenge\ntitle: A Challenge From The Future\ndescription: Uses values the platform added later.\ncategories: [linux, devops]\ndifficulty: expert\ncreatedAt: 2026-01-01\nfutureField: {a: 1}\n---\n\n::quiz-box{question="Why?"}\nBecause.\n::\n',
    );
    const graph = await loadContent(join(tmp, 'open-values'));
    expect(graph.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(graph.diagnostics.map((d) => d.unknown).filter(Boolean).sort()).toEqual(['component quiz-box', 'field futureField', 'value categories[]: devops', 'value difficulty: expert']);
    const item = graph.items[0]!;
    expect(item.data).toMatchObject({ categories: ['linux', 'devops'], difficulty: 'expert', futureField: { a: 1 } });
  });
});

function dedent(s: string): string {
  const lines = s.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
