// One fixture folder per rule: test/fixtures/rules/<rule>/ holds a small
// content root that breaks the rule, and expected.json the diagnostics with
// positions. Regenerate with UPDATE_FIXTURES=1 and review the diff.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent, rules, type Diagnostic } from '../src/index.ts';
import { documentRules, graphRules, itemRules } from '../src/validate/validate-graph.ts';
import { schemaRuleIds } from '../src/validate/rules/schema.ts';

const dir = join(import.meta.dirname, 'fixtures/rules');
const update = process.env['UPDATE_FIXTURES'] === '1';

function compact(d: Diagnostic) {
  return {
    ruleId: d.ruleId,
    severity: d.severity,
    file: d.file,
    start: `${d.span.start.line}:${d.span.start.column}`,
    end: `${d.span.end.line}:${d.span.end.column}`,
    message: d.message,
  };
}

const fixtures = readdirSync(dir).sort();

/**
 * Rules no content folder can raise through `loadContent`, with the test
 * that covers each instead. Nothing else may go without a fixture.
 */
const coveredElsewhere: Record<string, string> = {
  'lab:render-failed': 'raised by lab dev when the renderer throws: site/test/dev/render-failed.test.ts',
  'lab:unreadable': 'needs a file or folder without read permission, which git cannot hold: sdk/test/content-store.test.ts',
};

describe('rule fixtures', () => {
  it('cover every rule in the catalogue', () => {
    const missing = Object.keys(rules).filter((id) => !fixtures.includes(id.replace(/^lab:/, '')) && !Object.hasOwn(coveredElsewhere, id));
    expect(missing).toEqual([]);
  });

  it('every catalogue rule is raised by a rule module under validate/rules/, or by the loader, parser or lab dev (named here)', () => {
    const byRules = new Set([...schemaRuleIds, ...[...documentRules, ...itemRules, ...graphRules].flatMap((r) => r.ids)]);
    const elsewhere = new Set([
      'lab:yaml-syntax', 'lab:duplicate-key', 'lab:content-limit', // the parser
      'lab:symlink-outside', 'lab:unreadable', 'lab:code-not-run', 'lab:ts-load', 'lab:svg-script', // the loader
      'lab:render-failed', // lab dev
    ]);
    expect(Object.keys(rules).filter((id) => !byRules.has(id as never) && !elsewhere.has(id))).toEqual([]);
  });

  for (const name of fixtures) {
    it(name, async () => {
      const root = join(dir, name);
      // options.json: loader options for the rule (e.g. `{ "code": false }`).
      const optionsFile = join(root, 'options.json');
      const graph = await loadContent(root, existsSync(optionsFile) ? JSON.parse(readFileSync(optionsFile, 'utf8')) : {});
      const actual = graph.diagnostics.map(compact);
      const expectedFile = join(root, 'expected.json');
      if (update || !existsSync(expectedFile)) {
        if (!update) throw new Error(`${expectedFile} is missing: run with UPDATE_FIXTURES=1 and review it`);
        writeFileSync(expectedFile, JSON.stringify(actual, null, 2) + '\n');
      }
      const expected = JSON.parse(readFileSync(expectedFile, 'utf8'));
      expect(actual).toEqual(expected);
      // A fixture must exercise its own rule.
      expect(actual.map((d) => d.ruleId)).toContain(`lab:${name}`);
    });
  }
});
