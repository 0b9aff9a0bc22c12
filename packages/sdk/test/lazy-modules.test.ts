// `lab validate` must stay light: importing @labkit/sdk and loading content
// must never load shiki (the renderer loads it on the first highlight).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { corpusPath, describeCorpus } from '../../../test-support/corpus.ts';

const index = pathToFileURL(resolve(import.meta.dirname, '../src/index.ts')).href;
const samples = corpusPath('iximiuz-samples');

describeCorpus('module loading', () => {
  it('validating content does not load shiki', () => {
    const hook = 'data:text/javascript,import{registerHooks}from"node:module";globalThis.__loaded=[];registerHooks({load(u,c,n){globalThis.__loaded.push(u);return n(u,c)}});';
    const script = `
      const { loadContent } = await import(${JSON.stringify(index)});
      const graph = await loadContent(${JSON.stringify(samples)});
      console.log(JSON.stringify({ items: graph.items.length, loaded: globalThis.__loaded }));`;
    const r = spawnSync(process.execPath, ['--import', hook, '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { items: number; loaded: string[] };
    expect(out.items).toBe(3);
    expect(out.loaded.some((u) => u.includes('/remark-mdc/'))).toBe(true);
    expect(out.loaded.filter((u) => /\/(shiki|@shikijs)\//.test(u))).toEqual([]);
  }, 60_000);
});

it('@labkit/sdk/light loads no schema library, parser or renderer', () => {
  const light = pathToFileURL(resolve(import.meta.dirname, '../src/light.ts')).href;
  const hook = 'data:text/javascript,import{registerHooks}from"node:module";globalThis.__loaded=[];registerHooks({load(u,c,n){globalThis.__loaded.push(u);return n(u,c)}});';
  const script = `await import(${JSON.stringify(light)}); console.log(JSON.stringify(globalThis.__loaded));`;
  const r = spawnSync(process.execPath, ['--import', hook, '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const loaded = JSON.parse(r.stdout) as string[];
  expect(loaded.some((u) => u.endsWith('/src/graph/discover.ts'))).toBe(true);
  expect(loaded.filter((u) => /\/(zod|yaml|unified|micromark[\w-]*|mdast-[\w-]+|remark-[\w-]+|shiki|hast-[\w-]+)\//.test(u) || u.endsWith('/src/index.ts'))).toEqual([]);
}, 60_000);
