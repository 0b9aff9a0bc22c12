// The iximiuz samples are the format's reference: they must load unchanged
// and validate with zero errors (references to content that lives on the
// platform, not in the folder, are info).
import { expect, it } from 'vitest';
import { loadContent } from '../src/index.ts';
import { corpusPath, describeCorpus } from '../../../test-support/corpus.ts';

const samples = corpusPath('iximiuz-samples');

describeCorpus('iximiuz samples', () => {
  it('validate with zero errors, one warning (k3s is a platform playground)', async () => {
    const graph = await loadContent(samples);
    // The sample tutorial runs on k3s, which only the platform has: a warning.
    expect(graph.diagnostics.filter((d) => d.severity !== 'info').map((d) => [d.ruleId, d.file])).toEqual([['lab:platform-playground', 'sample-tutorial/index.md']]);
    expect(graph.diagnostics.every((d) => d.ruleId === 'lab:missing-reference' || d.ruleId === 'lab:platform-playground')).toBe(true);
  });

  it('load every item, unit, task, asset and solution', async () => {
    const graph = await loadContent(samples);
    expect(graph.items.map((i) => i.id).sort()).toEqual([
      'challenge:sample-challenge',
      'skill-path:sample-skill-path',
      'tutorial:sample-tutorial',
    ]);
    const challenge = graph.byId.get('challenge:sample-challenge');
    expect(challenge?.tasks.map((t) => t.name)).toEqual([
      'verify_container',
      'verify_container_id',
      'verify_container_pid',
      'verify_container_ip',
    ]);
    expect(challenge?.tasks[1]?.task.env).toEqual(['CONTAINER_ID=x(.needs.verify_container.stdout)']);
    expect(challenge?.tasks[0]?.task.timeout_seconds).toBe(60);
    expect(challenge?.solutions).toEqual(['sample-challenge/solution.md']);
    expect(challenge?.assets.sort()).toEqual(['__static__/container-box.png', '__static__/different-ways-to-start-containers.png']);
    expect(challenge?.tasks[0]?.span.start).toEqual({ line: 29, column: 3 });

    const path = graph.byId.get('skill-path:sample-skill-path');
    expect(path?.documents.filter((d) => d.role === 'unit').map((d) => d.name)).toEqual([
      'tutorial-1',
      'challenge-1',
      'course-1',
      'course-lesson-flat-course',
      'course-lesson-modular',
      'another-skill-path',
      'roadmap',
      'challenge-2',
    ]);
    expect(path?.references.find((r) => r.name === 'containerd-cli')?.lessons).toEqual(['ctr/container-management']);

    const tutorial = graph.byId.get('tutorial:sample-tutorial');
    expect(tutorial?.playground?.machines?.map((m) => m.name)).toEqual(['dev-machine', 'cplane-01', 'node-01']);
    expect(tutorial?.tasks.find((t) => t.name === 'init_expose_nginx')?.task.timeout_seconds).toBe(90);
    // The tutorial references itself: resolved to the local item.
    expect(tutorial?.references.find((r) => r.map === 'tutorials')?.target).toBe('tutorial:sample-tutorial');
  });
});
