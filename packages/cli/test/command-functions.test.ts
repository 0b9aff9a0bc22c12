// The command functions as another program calls them (no process, no
// printing): each returns its result and reports through the one
// CommandReporter. The `lab <cmd>` tests check the printed side.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '@labkit/sdk';
import { describe, expect, it } from 'vitest';
import { docs, doctor, importKillercoda, init, newItem, schema, silentReporter, validate } from '../src/index.ts';
import type { CommandReporter } from '../src/index.ts';
import { repoRoot, tempDir } from './helpers.ts';

function collector(): CommandReporter & { steps: string[]; found: Diagnostic[] } {
  const steps: string[] = [];
  const found: Diagnostic[] = [];
  return { steps, found, progress: (m) => void steps.push(m), diagnostics: (d) => void found.push(...d) };
}

describe('command functions', () => {
  it('validate() returns the summary and hands the diagnostics to the reporter, with the unknown task placed', async () => {
    const dir = tempDir('fn-validate');
    mkdirSync(join(dir, 'challenges/broken'), { recursive: true });
    writeFileSync(
      join(dir, 'challenges/broken/index.md'),
      '---\nkind: challenge\ntitle: A Challenge Written for Tests\ndescription: x\ncategories: [linux]\ndifficulty: easy\ncreatedAt: 2026-01-01\ntasks:\n  verify_one:\n    run: test -f /tmp/one\n---\n\n::simple-task\n---\n:tasks: tasks\n:name: verify_typo\n---\n::\n',
    );
    const reporter = collector();
    const result = await validate({ dir, reporter });
    expect(result.ok).toBe(false);
    expect(result.summary.errors).toBe(1);
    expect(reporter.steps).toEqual(['loading content']);
    expect(reporter.found).toEqual([...result.diagnostics]);
    const unknown = reporter.found.find((d) => d.severity === 'error');
    expect(unknown?.file).toBe('challenges/broken/index.md');
    expect(unknown?.span.start.line).toBe(16);

    // The caller's graph is used as is: nothing is loaded again.
    const again = collector();
    const reused = await validate({ dir, graph: result.graph, reporter: again });
    expect(again.steps).toEqual([]);
    expect(reused.summary).toEqual(result.summary);
  });

  it('validate() fails on more warnings than maxWarnings, and passes the examples', async () => {
    const examples = await validate({ dir: join(repoRoot, 'examples'), maxWarnings: 0 });
    expect(examples.summary.errors).toBe(0);
    expect(examples.ok).toBe(examples.summary.warnings === 0);
    await expect(validate({ dir: join(repoRoot, 'no-such-folder') })).rejects.toMatchObject({ code: 'DirectoryNotFound' });
  });

  it('init() and newItem() write a project and an item, and return what they wrote', async () => {
    const dir = join(tempDir('fn-init'), 'my-labs');
    const project = await init({ dir, title: 'Fn Labs' });
    expect(project.installed).toBe(false);
    expect(project.next.at(-1)).toMatch(/run dev$/);
    expect(project.files).toContain(join(dir, 'lab.config.ts'));
    for (const file of project.files) expect(existsSync(file), file).toBe(true);
    const item = newItem({ kind: 'tutorial', name: 'read-the-logs', root: dir });
    expect(item.path).toBe(join(dir, 'tutorials/read-the-logs'));
    const checked = await validate({ dir, reporter: silentReporter });
    expect(checked.summary.errors).toBe(0);
  });

  it('schema() returns the JSON Schema and writes it with out', async () => {
    const out = join(tempDir('fn-schema'), 'challenge.json');
    const result = await schema({ kind: 'challenge', out });
    expect(result.written).toBe(out);
    expect(readFileSync(out, 'utf8')).toBe(result.text);
    expect(JSON.parse(result.text)).toHaveProperty('properties.tasks');
  });

  it('importKillercoda() reports what has no Labkit equivalent through the reporter', async () => {
    const source = tempDir('fn-kc');
    writeFileSync(join(source, 'index.json'), JSON.stringify({ title: 'A Scenario', details: { steps: [{ title: 'One', text: 'step1.md' }] }, backend: { imageid: 'ubuntu' } }));
    writeFileSync(join(source, 'step1.md'), '# One\n\nRun `ls`{{exec}}.\n');
    const reporter = collector();
    const result = await importKillercoda(source, { out: join(tempDir('fn-kc-out'), 'out'), reporter });
    expect(result.items.length).toBe(1);
    expect(reporter.found).toEqual(result.diagnostics);
    expect(result.ok).toBe(result.summary.errors === 0);
  });

  it('docs() finds the generated reference stale in a root that lacks it, and writes nothing without write', async () => {
    const root = tempDir('fn-docs');
    const result = await docs({ root });
    expect(result.written).toBe(false);
    expect(result.stale).toEqual(expect.arrayContaining(['docs/reference/README.md', 'docs/reference/content.schema.json']));
    expect(readdirSync(root)).toEqual([]);
  });

  it('doctor() checks the PATH it is given and says how to install what is missing', () => {
    const report = doctor({ path: tempDir('fn-empty-path'), kvmDevice: '/nonexistent/kvm' });
    expect(report.ok).toBe(false);
    const qemu = report.checks.find((c) => /qemu/i.test(c.name));
    expect(qemu).toMatchObject({ ok: false, required: true, detail: 'qemu-system-x86_64 not found on PATH' });
    expect(qemu?.fix).toBeTruthy();
  });
});
