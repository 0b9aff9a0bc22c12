import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importKillercoda, parseDocument, type Diagnostic } from '@labkit/sdk';
import { visit } from 'unist-util-visit';
import { fingerprint, readTree, writeTree } from './fixture-tree.ts';
import { loadImported } from './validate-output.ts';

/**
 * One fixture folder per mapping rule: `input/` is a Killercoda source,
 * `expected/` the Labkit folder it must become, `diagnostics.txt` every
 * warning with its place. Regenerate with UPDATE_FIXTURES=1 and review the diff.
 */
const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'killercoda');
const UPDATE = process.env.UPDATE_FIXTURES === '1';
const work = mkdtempSync(path.join(tmpdir(), 'labkit-import-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function formatDiagnostics(list: Diagnostic[]): string {
  return list.map((d) => `${d.file}:${d.span.start.line}:${d.span.start.column} ${d.severity} ${d.ruleId} ${d.message}`).join('\n') + '\n';
}

async function runFixture(name: string): Promise<{ out: string; diagnostics: Diagnostic[] }> {
  const input = path.join(FIXTURES, name, 'input');
  const before = fingerprint(input);
  const out = path.join(work, name);
  const result = await importKillercoda(input, { out, createdAt: '2026-01-01' });
  expect(fingerprint(input)).toBe(before);
  const actual = readTree(out);
  const expectedDir = path.join(FIXTURES, name, 'expected');
  const diagnosticsFile = path.join(FIXTURES, name, 'diagnostics.txt');
  if (UPDATE) {
    writeTree(expectedDir, actual);
    writeFileSync(diagnosticsFile, formatDiagnostics(result.diagnostics));
  }
  const expected = readTree(expectedDir);
  expect([...actual.keys()]).toEqual([...expected.keys()]);
  for (const [rel, bytes] of expected) {
    const got = actual.get(rel)!;
    if (rel.endsWith('.md')) expect(got.toString('utf8'), rel).toBe(bytes.toString('utf8'));
    else expect(got.equals(bytes), rel).toBe(true);
  }
  expect(formatDiagnostics(result.diagnostics)).toBe(readFileSync(diagnosticsFile, 'utf8'));
  // What the import writes must load with no errors.
  const loaded = await loadImported(out);
  expect(loaded.errors).toEqual([]);
  expect(loaded.items).toEqual(result.items.map((i) => `${i.kind}:${i.name}`).sort());
  return { out, diagnostics: result.diagnostics };
}

const rules = (list: Diagnostic[]) => new Set(list.map((d) => d.ruleId));

describe('importKillercoda mapping rules', () => {
  it('verify scripts: a challenge, one ordered verify task and simple-task per step', async () => {
    const { out, diagnostics } = await runFixture('verify');
    const md = readFileSync(path.join(out, 'check-a-file', 'index.md'), 'utf8');
    expect(md).toMatch(/^---\nkind: challenge\n/);
    expect(md).toContain(':name: verify_step_2');
    expect(rules(diagnostics)).toContain('killercoda:unknown-field'); // "time"
  });

  it('ubuntu scenarios that run docker (page text or script) get the docker playground; prose about Docker and Kubernetes images do not', async () => {
    const { out, diagnostics } = await runFixture('docker');
    const playgroundOf = (name: string) => /\nplayground:\n {2}name: (\S+)\n {2}machines:\n {4}- name: (\S+)\n/.exec(readFileSync(path.join(out, name, 'index.md'), 'utf8'))!.slice(1);
    expect(playgroundOf('run-a-container')).toEqual(['docker', 'docker']);
    expect(playgroundOf('docker-in-a-script')).toEqual(['docker', 'docker']);
    expect(playgroundOf('prose-only')).toEqual(['debian', 'debian']);
    expect(playgroundOf('kubernetes-with-docker')).toEqual(['k3s', 'cplane-01']);
    const notes = diagnostics.filter((d) => d.ruleId === 'killercoda:playground').map((d) => `${d.file}: ${d.message}`);
    expect(notes).toContainEqual(expect.stringMatching(/^run-a-container\/index.json: .*"docker" because the scenario runs `docker run` \(run-a-container\/step1.md:4\)/));
    expect(notes).toContainEqual(expect.stringMatching(/^docker-in-a-script\/index.json: Killercoda image "ubuntu-4GB" .*runs `docker pull` \(docker-in-a-script\/setup.sh:1\)/));
  });

  it('background and foreground scripts: ordered init tasks, timing warnings, multi-machine tasks', async () => {
    const { diagnostics } = await runFixture('background');
    for (const rule of ['killercoda:foreground-script', 'killercoda:background-timing', 'killercoda:traffic-selector', 'killercoda:intro-title']) {
      expect(rules(diagnostics), rule).toContain(rule);
    }
  });

  it('assets: text files become startup files, the rest __static__ with a warning', async () => {
    const { out, diagnostics } = await runFixture('assets');
    expect(existsSync(path.join(out, 'upload-assets', '__static__', 'assets', 'logo.bin'))).toBe(true);
    for (const rule of ['killercoda:asset-static', 'killercoda:asset-host', 'killercoda:missing-file']) {
      expect(rules(diagnostics), rule).toContain(rule);
    }
  });

  it('code actions and <details>: code kept, exec reported, details → hint-box/details-box, MDC traps escaped', async () => {
    const { out, diagnostics } = await runFixture('code-actions');
    // Through the SDK's own remark-mdc pipeline: the boxes are components, and
    // ` :latest`, `[notes]`, `{braces}` stay text instead of turning into elements.
    const parsed = parseDocument(readFileSync(path.join(out, 'code-actions', 'index.md'), 'utf8'), { file: 'index.md' });
    const components: string[] = [];
    let text = '';
    visit(parsed.mdast, (node) => {
      const n = node as { type: string; name?: string; value?: string };
      if (n.type.endsWith('Component')) components.push(`${n.type}:${n.name}`);
      if (n.type === 'text') text += n.value;
    });
    expect(components).toEqual(['containerComponent:hint-box', 'containerComponent:details-box', 'containerComponent:image-box']);
    expect(text).toContain('the tag :latest and see [notes] and {braces}');
    for (const rule of ['killercoda:exec-action', 'killercoda:copy-inline', 'killercoda:nested-details', 'killercoda:raw-html']) {
      expect(rules(diagnostics), rule).toContain(rule);
    }
  });

  it('structure.json: ordered skill paths with title overrides; nested folders become nested skill paths', async () => {
    const { out, diagnostics } = await runFixture('structure');
    // Items not listed in the root structure.json are left out, as Killercoda does.
    expect(existsSync(path.join(out, 'ignored'))).toBe(false);
    expect(rules(diagnostics)).toContain('killercoda:missing-file');
    expect(rules(diagnostics)).toContain('killercoda:unknown-field'); // items[1].order
  });
});
