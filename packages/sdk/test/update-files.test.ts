import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadContent, updateFiles } from '../src/index.ts';
import { corpusPath, describeCorpus, hasCorpus } from '../../../test-support/corpus.ts';

const samples = corpusPath('iximiuz-samples');
const work = mkdtempSync(join(tmpdir(), 'labkit-update-'));
if (hasCorpus) cpSync(samples, work, { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

describeCorpus('updateFiles', () => {
  it('re-parses only changed files and re-runs the rules', async () => {
    const before = await loadContent(work);
    expect(before.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const unit = 'sample-skill-path/unit-10.md';
    const challenge = 'sample-challenge/index.md';
    const file = join(work, challenge);
    writeFileSync(file, readFileSync(file, 'utf8').replace(':name: verify_container_ip', ':name: verify_container_ipp'));

    const after = await updateFiles(before, [file]);
    // Unchanged files keep their parse result (same object), the edited one is new.
    expect(after.documents.get(unit)?.parsed).toBe(before.documents.get(unit)?.parsed);
    expect(after.documents.get(challenge)?.parsed).not.toBe(before.documents.get(challenge)?.parsed);
    expect(after.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.ruleId).sort()).toEqual([
      'lab:platform-playground', // the sample tutorial's k3s
      'lab:task-not-shown',
      'lab:unknown-task',
    ]);
    // The old graph is untouched.
    expect(before.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('handles added and deleted files', async () => {
    const g1 = await loadContent(work);
    const added = join(work, 'sample-skill-path/unit-90.md');
    writeFileSync(added, '---\nkind: unit\ntitle: Added\nname: added\n---\nHello.\n');
    const g2 = await updateFiles(g1, [added]);
    expect(g2.byId.get('skill-path:sample-skill-path')?.documents.map((d) => d.name)).toContain('added');
    rmSync(join(work, 'sample-skill-path/__static__/cover.png'));
    const g3 = await updateFiles(g2, ['sample-skill-path/__static__/cover.png']);
    expect(g3.diagnostics.filter((d) => d.ruleId === 'lab:missing-asset').map((d) => d.file)).toEqual([
      'sample-skill-path/index.md',
      'sample-skill-path/index.md',
    ]);
  });
});

describe('updateFiles and inherited context', () => {
  it('re-checks a lesson when only its course playground changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'labkit-update-course-'));
    try {
      cpSync(resolve(import.meta.dirname, 'fixtures/courses/md-course'), join(dir, 'md-course'), { recursive: true });
      const lesson = join(dir, 'md-course/010.basics/010.first/000.index.md');
      writeFileSync(lesson, readFileSync(lesson, 'utf8').replace('  verify_run:\n', '  verify_run:\n    machine: docker\n'));
      const g1 = await loadContent(dir);
      expect(g1.diagnostics).toEqual([]);
      const course = join(dir, 'md-course/index.md');
      writeFileSync(course, readFileSync(course, 'utf8').replace('  name: docker\n', '  name: docker-multi\n  machines:\n    - name: docker-01\n'));
      const g2 = await updateFiles(g1, [course]);
      expect(g2.diagnostics.map((d) => [d.ruleId, d.file])).toEqual([
        ['lab:unknown-machine', 'md-course/010.basics/010.first/000.index.md'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
