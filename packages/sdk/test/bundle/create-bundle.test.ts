import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/bundle/canonical-json.ts';
import { createBundle } from '../../src/bundle/create-bundle.ts';
import type { BundleInput } from '../../src/bundle/create-bundle.ts';
import { sha256Hex } from '../../src/bundle/digest.ts';
import { bundleManifestSchema } from '../../src/bundle/manifest-schema.ts';
import { manifestFileDigests, parseBundleManifest } from '../../src/bundle/read-manifest.ts';

const enc = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const input = (): BundleInput => ({
  items: [
    { kind: 'tutorial', name: 'basics', title: 'Container Basics', path: 'tutorials/basics', files: [{ path: 'index.md', data: enc.encode('# Basics\n') }] },
    {
      kind: 'challenge',
      name: 'run',
      title: 'Run a Container',
      path: 'challenges/run',
      files: [
        { path: '__static__/b.png', data: new Uint8Array([1, 2, 3]) },
        { path: 'index.md', data: enc.encode('---\nkind: challenge\n---\n') },
      ],
    },
  ],
  model: { items: [{ id: 'challenge:run', file: '/checkout/a/challenges/run/index.md', z: 1, a: [3, 1, 2] }] },
  modelOptions: { root: '/checkout/a' },
  site: [{ path: 'index.html', sha256: sha256Hex('<html>'), size: 6 }],
});

describe('canonicalJson', () => {
  it('sorts keys by code unit, including integer-like keys that JSON.stringify reorders', () => {
    expect(canonicalJson({ b: 1, a: 2, 10: 'x', 2: 'y', Z: 0 }, { indent: 0 })).toBe('{"10":"x","2":"y","Z":0,"a":2,"b":1}\n');
  });

  it('drops undefined and functions, keeps array order, writes non-finite numbers as null', () => {
    expect(canonicalJson({ u: undefined, f: () => 1, a: [undefined, 3, NaN], m: new Map([['y', 1], ['x', 2]]) }, { indent: 0 })).toBe(
      '{"a":[null,3,null],"m":{"x":2,"y":1}}\n',
    );
  });

  it('turns paths under the root into relative ones', () => {
    expect(canonicalJson({ file: '/w/c/x.md', msg: 'bad in /w/c/y.md', root: '/w/c' }, { root: '/w/c/', indent: 0 })).toBe('{"file":"x.md","msg":"bad in y.md","root":"."}\n');
  });

  it('refuses cycles and binary data, naming the place', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = { back: a };
    expect(() => canonicalJson(a)).toThrow(/self\.back/);
    expect(() => canonicalJson({ data: new Uint8Array(1) })).toThrow(/binary data at data/);
  });

  it('writes a shared (non-cyclic) object each time it appears', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: shared }, { indent: 0 })).toBe('{"a":{"k":1},"b":{"k":1}}\n');
  });
});

describe('createBundle', () => {
  it('lists items sorted by kind and name with files, digests and the model', () => {
    const bundle = createBundle(input());
    const m = bundle.manifest;
    expect(bundleManifestSchema.parse(m)).toEqual(m);
    expect(m.items.map((i) => `${i.kind}:${i.name}`)).toEqual(['challenge:run', 'tutorial:basics']);
    expect(m.items[0]!.files.map((f) => f.path)).toEqual(['__static__/b.png', 'index.md']);
    expect(m.items[0]!.files[0]).toEqual({ path: '__static__/b.png', sha256: sha256Hex(new Uint8Array([1, 2, 3])), size: 3 });
    expect(bundle.files.map((f) => f.path)).toEqual([
      '_bundle/content/challenges/run/__static__/b.png',
      '_bundle/content/challenges/run/index.md',
      '_bundle/content/tutorials/basics/index.md',
      '_bundle/model.json',
    ]);
    const model = text(bundle.files.find((f) => f.path === '_bundle/model.json')!.data);
    expect(model).not.toContain('/checkout');
    expect(JSON.parse(model)).toEqual({ items: [{ a: [3, 1, 2], file: 'challenges/run/index.md', id: 'challenge:run', z: 1 }] });
    expect(m.model.sha256).toBe(sha256Hex(model));
    expect(bundle.manifestFile.path).toBe('manifest.json');
    expect(parseBundleManifest(bundle.manifestFile.data)).toEqual(m);
    expect([...manifestFileDigests(m).keys()].sort()).toEqual([...bundle.files.map((f) => f.path), 'index.html'].sort());
  });

  it('is byte-identical for the same content read in another order, from another folder', () => {
    const a = createBundle(input());
    const other = input();
    other.items.reverse();
    other.items[0]!.files.reverse();
    other.model = { items: [{ a: [3, 1, 2], z: 1, file: '/elsewhere/b/challenges/run/index.md', id: 'challenge:run' }] };
    other.modelOptions = { root: '/elsewhere/b' };
    const b = createBundle(other);
    expect(text(b.manifestFile.data)).toBe(text(a.manifestFile.data));
    expect(b.files.map((f) => [f.path, f.sha256])).toEqual(a.files.map((f) => [f.path, f.sha256]));
  });

  it('changes an item digest exactly when one of its files changes', () => {
    const a = createBundle(input());
    const changed = input();
    changed.items[1]!.files[1]!.data = enc.encode('---\nkind: challenge\n---\nmore\n');
    const b = createBundle(changed);
    expect(b.manifest.items[0]!.digest).not.toBe(a.manifest.items[0]!.digest);
    expect(b.manifest.items[1]!.digest).toBe(a.manifest.items[1]!.digest);
    expect(b.manifest.digest).not.toBe(a.manifest.digest);
  });

  it('rejects unsafe paths and clashes instead of fixing them', () => {
    const bad = (mutate: (i: BundleInput) => void) => {
      const i = input();
      mutate(i);
      return () => createBundle(i);
    };
    expect(bad((i) => (i.items[0]!.files[0]!.path = '../etc/passwd'))).toThrow(/"\.\." segment/);
    expect(bad((i) => (i.items[0]!.path = '/abs'))).toThrow(/absolute/);
    expect(bad((i) => (i.items[0]!.files[0]!.path = 'a\\b'))).toThrow(/backslash/);
    expect(bad((i) => i.items.push({ ...i.items[0]! }))).toThrow(/two tutorial items named "basics"/);
    expect(bad((i) => i.site!.push({ path: 'manifest.json', sha256: sha256Hex(''), size: 0 }))).toThrow(/manifest\.json/);
  });
});
