import { baseName, dirName, slugOf } from '../discover.ts';
import type { ContentItem } from '../types.ts';
import { courseDirOf } from './markdown-items.ts';

/**
 * Phase 4: course structure of folder-layout items. Modules and lessons get
 * their path in the course (`module/lesson`, no order prefixes), their id
 * (`lesson:<course>/<path>`) and parent; top-level items keep `<kind>:<name>`;
 * children are listed in order.
 */
export function linkCourses(items: readonly ContentItem[], itemByDir: ReadonlyMap<string, ContentItem>, courseDirs: readonly string[]): void {
  for (const item of items) {
    if (item.kind !== 'module' && item.kind !== 'lesson') continue;
    const courseDir = courseDirOf(courseDirs, item.dir) as string;
    const course = itemByDir.get(courseDir);
    const parent = itemByDir.get(dirName(item.dir)) ?? course;
    const chain: string[] = [];
    let d = item.dir;
    while (d !== courseDir && d !== '') {
      chain.unshift(slugOf(baseName(d)));
      d = dirName(d);
    }
    item.path = chain.join('/');
    item.id = `${item.kind}:${course?.name ?? ''}/${item.path}`;
    item.parent = parent?.id;
  }
  for (const item of items) if (item.kind !== 'module' && item.kind !== 'lesson') item.id = `${item.kind}:${item.name}`;
  const byId = new Map(items.map((i) => [i.id, i]));
  for (const item of items) {
    if (item.parent) byId.get(item.parent)?.children.push(item.id);
  }
  for (const item of items) {
    item.children.sort((a, b) => (byId.get(a)?.order ?? 0) - (byId.get(b)?.order ?? 0) || (a < b ? -1 : 1));
  }
}
