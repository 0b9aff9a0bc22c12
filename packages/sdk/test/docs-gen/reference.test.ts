import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { extractFieldDocs, generateReference, loadFieldDocs, staleFiles } from '../../src/docs-gen/generate.ts';
import { buildJsonSchema } from '../../src/docs-gen/json-schema.ts';
import { renderReference } from '../../src/docs-gen/render-reference.ts';
import { schemaCatalog } from '../../src/docs-gen/schema-catalog.ts';
import { componentRegistry } from '../../src/components/registry.ts';
import { listRules } from '../../src/diagnostics/rules.ts';

const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));

describe('docs-gen', () => {
  it('docs/reference and the committed JSDoc extraction are up to date', async () => {
    const files = await generateReference(repoRoot);
    const stale = staleFiles(repoRoot, files);
    // On failure: run `node packages/cli/bin/lab.js docs --write` and commit the diff.
    expect(stale, 'stale generated files; regenerate with: lab docs --write').toEqual([]);
  });

  it('finds JSDoc with a description and an @example on every field of every documented schema', async () => {
    const docs = await extractFieldDocs();
    for (const entry of schemaCatalog) {
      const doc = docs.find((d) => d.exportName === entry.exportName);
      expect(doc, entry.exportName).toBeDefined();
      const shape = (entry.schema as unknown as z.ZodObject).shape;
      expect(doc!.fields.map((f) => f.name).sort(), entry.exportName).toEqual(Object.keys(shape).sort());
      for (const field of doc!.fields) {
        expect(field.description, `${entry.exportName}.${field.name}`).not.toBe('');
        expect(field.example, `${entry.exportName}.${field.name} @example`).toBeDefined();
      }
    }
  });

  it('puts each field description on the matching JSON Schema property, nested ones included', () => {
    const schema = buildJsonSchema(loadFieldDocs(), { kind: 'tutorial' }) as any;
    const machine = schema.properties.playground.properties.machines.items;
    expect(machine.properties.noSSH.description).toMatch(/forbid SSH/);
    // `network` is an object literal nested inline in machineSchema: its field is documented too.
    expect(machine.properties.network.properties.interfaces.description).toBe('Interfaces of the machine.');
    expect(schema.properties['skill-paths'].description).toContain('::card');
  });

  it('renders a page per kind with every field, and the components and rules pages', () => {
    const pages = renderReference(loadFieldDocs(), listRules());
    for (const page of ['tutorial.md', 'challenge.md', 'skill-path.md', 'course.md', 'playground.md', 'task.md', 'components.md', 'validation-rules.md']) {
      expect(pages.has(page), page).toBe(true);
    }
    expect(pages.get('task.md')).toContain('| `timeout_seconds` | integer | no |');
    expect(pages.get('task.md')).toContain('default `60`');
    expect(pages.get('challenge.md')).toContain('| `tasks` | map of name → [Task](task.md#task) | no |');
    for (const name of Object.keys(componentRegistry)) expect(pages.get('components.md')).toContain(`## \`${name}\``);
    for (const rule of listRules()) expect(pages.get('validation-rules.md')).toContain(`| \`${rule.id}\` | ${rule.severity} |`);
  });
});
