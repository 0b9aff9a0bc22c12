import type { ContentDocument } from '../../graph/types.ts';
import { placeOf } from '../context.ts';
import { normalizeName, type GraphRule, type ItemRule } from '../rule.ts';

/** `lab:duplicate-name` for two units of one skill path or lesson: their anchors would collide. */
export const duplicateUnitNames: ItemRule = {
  ids: ['lab:duplicate-name'],
  item(item, _usage, r) {
    const seen = new Map<string, ContentDocument>();
    for (const doc of item.documents) {
      if (doc.role !== 'unit') continue;
      const prev = seen.get(doc.name);
      if (prev) {
        r.report('lab:duplicate-name', doc.metaFile, placeOf(doc, ['name'], 'value'), `Unit name "${doc.name}" is already used in this ${item.kind}.`, {
          related: [{ file: prev.metaFile, span: placeOf(prev, ['name'], 'value'), message: 'first used here' }],
        });
      } else seen.set(doc.name, doc);
    }
  },
};

/** `lab:duplicate-name` for two items of one kind (`docker_101` and `docker-101` are one name): their URLs would collide. */
export const duplicateItemNames: GraphRule = {
  ids: ['lab:duplicate-name'],
  graph(graph, _links, r) {
    const seen = new Map<string, ContentDocument>();
    for (const item of graph.items) {
      const key = item.kind === 'module' || item.kind === 'lesson' ? item.id : `${item.kind}:${normalizeName(item.name)}`;
      const doc = item.documents[0];
      if (!doc) continue;
      const prev = seen.get(key);
      if (prev) {
        r.report('lab:duplicate-name', doc.metaFile, placeOf(doc, ['kind'], 'key'), `Another ${item.kind} is already named "${item.name}"; their URLs would collide.`, {
          related: [{ file: prev.metaFile, span: placeOf(prev, ['kind'], 'key'), message: `the other ${item.kind}` }],
          hint: 'Rename one of the folders (the folder name is the slug).',
        });
      } else seen.set(key, doc);
    }
  },
};
