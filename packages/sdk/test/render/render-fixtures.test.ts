import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument, renderDocument, type RenderOptions } from '../../src/index.ts';

/**
 * Input/output fixtures: `fixtures/<case>/input.md` renders to
 * `output.html`. Regenerate with `UPDATE_FIXTURES=1 npx vitest run
 * packages/sdk/test/render` and review the diff.
 */
const dir = path.join(import.meta.dirname, 'fixtures');
const update = process.env['UPDATE_FIXTURES'] === '1';

const options: RenderOptions = {
  resolveAsset: (src) => (src === '__static__/docker-run.png' ? { url: '/_assets/docker-run.abc123.png', width: 1200, height: 600 } : undefined),
  resolveCard: (ref) =>
    ref.collection === 'challenges' && ref.name === 'docker-101'
      ? { kind: 'challenge', title: 'Docker 101', description: 'Run a container.', url: '/challenges/docker-101/', difficulty: 'easy' }
      : undefined,
};

describe('renderer fixtures', () => {
  for (const name of readdirSync(dir).sort()) {
    it(name, async () => {
      const source = readFileSync(path.join(dir, name, 'input.md'), 'utf8');
      const parsed = parseDocument(source, { file: `${name}/input.md` });
      const out = await renderDocument(parsed.mdast, { ...options, preview: name.includes('preview') });
      const html = out.html.trim() + '\n';
      const expected = path.join(dir, name, 'output.html');
      // A missing expectation fails (as in rules.test.ts): a fixture never passes by writing its own.
      if (update) writeFileSync(expected, html);
      else if (!existsSync(expected)) throw new Error(`${expected} is missing: run with UPDATE_FIXTURES=1 and review it`);
      expect(html).toBe(readFileSync(expected, 'utf8'));
      expect(html).not.toMatch(/(^|>)\s*::/m);
    });
  }
});
