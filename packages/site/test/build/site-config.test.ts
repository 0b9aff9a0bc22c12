import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/index.ts';
import { loadSiteConfig } from '../../src/config/site-config.ts';
import { fixtureSite } from '../helpers.ts';

/** `lab.config.ts` → `site`: branding, links, language and strings, checked by the zod schema. */
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-site-config-'));
});

async function contentWith(name: string, config: string | undefined, files: Record<string, string> = {}): Promise<string> {
  const dir = path.join(tmp, name);
  await cp(path.join(fixtureSite, 'tutorials'), path.join(dir, 'tutorials'), { recursive: true });
  if (config !== undefined) await writeFile(path.join(dir, 'lab.config.ts'), config);
  for (const [rel, body] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), body);
  }
  return dir;
}

describe('site configuration', () => {
  it('a site without any config still has a favicon (no 404 for /favicon.ico)', async () => {
    const dir = await contentWith('plain', undefined);
    const r = await build({ dir, outDir: path.join(tmp, 'plain-out'), force: true });
    expect(r.ok).toBe(true);
    expect((await readFile(path.join(r.outDir, 'favicon.ico'))).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
    expect(existsSync(path.join(r.outDir, 'favicon.svg'))).toBe(true);
    const html = await readFile(path.join(r.outDir, 'index.html'), 'utf8');
    expect(html).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
    expect(html).toContain('<html lang="en"');
    expect(html).toContain('built with Labkit');
  }, 120_000);

  it('logo, favicon, colours, custom CSS, nav, footer, social links, language and strings reach every page', async () => {
    const dir = await contentWith('branded', `export default {
  site: {
    title: 'Acme Labs',
    logo: { src: './brand/logo.svg', alt: 'Acme' },
    favicon: './brand/favicon.svg',
    colors: { accent: '#0f766e', accentDark: 'oklch(0.85 0.12 180)' },
    customCss: ['./brand/site.css'],
    nav: [{ label: 'Kurse', href: '/?kind=course' }, { label: 'Blog', href: 'https://acme.example/blog' }],
    footer: { text: '© 2026 Acme Inc.', links: [{ label: 'Datenschutz', href: '/privacy/' }] },
    social: [{ kind: 'github', href: 'https://github.com/acme' }],
    lang: 'de',
    strings: { menu: 'Menü', onThisPage: 'Auf dieser Seite', copy: 'Kopieren' },
  },
};
`, {
      'brand/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>',
      'brand/favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="5"/></svg>',
      'brand/site.css': '.lk-brand { letter-spacing: .1em; }',
    });
    const r = await build({ dir, outDir: path.join(tmp, 'branded-out'), force: true });
    expect(r.ok).toBe(true);
    const html = await readFile(path.join(r.outDir, 'tutorials/searchable-tutorial/index.html'), 'utf8');
    expect(html).toContain('<html lang="de"');
    const logo = /<img class="lk-logo-img" src="(\/_lk\/brand\/logo\.[0-9a-f]{10}\.svg)" alt="Acme">/.exec(html);
    expect(logo).not.toBeNull();
    expect(await readFile(path.join(r.outDir, logo![1]!), 'utf8')).toContain('<rect');
    const icon = /<link rel="icon" href="(\/_lk\/brand\/favicon\.[0-9a-f]{10}\.svg)" type="image\/svg\+xml">/.exec(html);
    expect(icon).not.toBeNull();
    expect(existsSync(path.join(r.outDir, 'favicon.ico'))).toBe(true); // the default .ico stays for old clients
    const css = /<link rel="stylesheet" href="(\/_lk\/brand\/site\.[0-9a-f]{10}\.css)">/.exec(html);
    expect(await readFile(path.join(r.outDir, css![1]!), 'utf8')).toContain('letter-spacing');
    expect(html).toContain(':root{--accent:#0f766e;');
    expect(html).toContain('--accent:oklch(0.85 0.12 180)');
    expect(html).toContain('<a href="/?kind=course">Kurse</a><a href="https://acme.example/blog">Blog</a>');
    expect(html).not.toContain('>Tutorials</a>');
    expect(html).toContain('<p>© 2026 Acme Inc.</p>');
    expect(html).toContain('<a href="/privacy/">Datenschutz</a>');
    expect(html).toContain('href="https://github.com/acme" rel="me noopener">GitHub</a>');
    expect(html).toContain('<span class="lk-menu-label">Menü</span>');
    expect(html).toContain('"copy":"Kopieren"'); // the islands' strings
    expect(html).not.toContain('built with Labkit');
  }, 120_000);

  it('rejects values that would break out of the page: bad colours, javascript: links, files outside the folder, unknown keys', async () => {
    const cases: Array<[string, RegExp]> = [
      [`{ colors: { accent: 'red;}body{display:none' } }`, /site\.colors\.accent: expected a CSS colour/],
      [`{ nav: [{ label: 'x', href: 'javascript:alert(1)' }] }`, /site\.nav\.0\.href: expected an http\(s\) URL/],
      [`{ logo: '../outside.svg' }`, /site\.logo: "\.\.\/outside\.svg" is outside the content folder/],
      [`{ favicon: './missing.ico' }`, /site\.favicon: file "\.\/missing\.ico" not found/],
      [`{ logos: 'x' }`, /Unrecognized key.*"logos"/i],
      [`{ lang: 'english please' }`, /site\.lang: expected a BCP 47 language tag/],
    ];
    for (const [i, [site, error]] of cases.entries()) {
      const dir = await contentWith(`bad-${i}`, `export default { site: ${site} };\n`);
      await expect(loadSiteConfig(dir), site).rejects.toThrow(error);
    }
  });
});
