import type { ContentItem } from '../../graph/types.ts';
import { referenceKinds } from '../../schemas/references.ts';
import { normalizeName, type GraphRule } from '../rule.ts';
import { closest } from '../suggest.ts';

/**
 * References in front matter maps (`challenges: { docker-101: {} }`)
 * against the graph's items: `lab:missing-reference` for content not in
 * this repository (info: it may exist on the platform, as in the iximiuz
 * samples; a warning when a local item has a near-identical name) and
 * `lab:missing-lesson` for a lesson a local course does not have.
 * Resolved references get their `target`.
 */
export const references: GraphRule = {
  ids: ['lab:missing-reference', 'lab:missing-lesson'],
  graph(graph, _links, r) {
    // kind → normalised name → item, built once.
    const local = new Map<string, Map<string, ContentItem>>();
    const lessonsOf = new Map<string, Set<string>>();
    // kind/name → the closest local name, if any.
    const nearest = new Map<string, string | undefined>();
    for (const item of graph.items) {
      if (item.kind === 'lesson') {
        const course = item.id.slice('lesson:'.length).split('/')[0] as string;
        let s = lessonsOf.get(course);
        if (!s) lessonsOf.set(course, (s = new Set()));
        s.add(item.path);
        continue;
      }
      if (item.kind === 'module') continue;
      let m = local.get(item.kind);
      if (!m) local.set(item.kind, (m = new Map()));
      m.set(normalizeName(item.name), item);
    }
    for (const item of graph.items) {
      for (const ref of item.references) {
        const kind = referenceKinds[ref.map];
        if (kind === 'playground' || kind === 'roadmap') continue; // never content of this repository
        const candidates = local.get(kind);
        const target = candidates?.get(normalizeName(ref.name));
        if (target) {
          ref.target = target.id;
          if (kind === 'course') {
            const have = lessonsOf.get(target.name) ?? new Set<string>();
            for (const l of ref.lessons) {
              if (have.has(l)) continue;
              const near = closest(l, have);
              r.report('lab:missing-lesson', ref.file, ref.span, `Course "${ref.name}" has no lesson "${l}".${near ? ` Did you mean "${near}"?` : ''}`, {
                expected: [...have].join(', ') || 'a lesson of the course',
                actual: l,
              });
            }
          }
          continue;
        }
        const wanted = normalizeName(ref.name);
        const key = `${kind}/${wanted}`;
        // Pages name the same platform items again and again: each name is matched once.
        if (candidates && !nearest.has(key)) nearest.set(key, closest(wanted, candidates.keys()));
        const near = nearest.get(key);
        r.report(
          'lab:missing-reference',
          ref.file,
          ref.span,
          near
            ? `No ${kind} "${ref.name}" in this repository. Did you mean "${candidates?.get(near)?.name}"?`
            : `${kind} "${ref.name}" is not in this repository; it must exist on the platform.`,
          near ? { severity: 'warning' } : {},
        );
      }
    }
  },
};
