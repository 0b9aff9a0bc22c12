import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, tempDir } from './helpers.ts';

describe('lab schema', () => {
  it('prints the front matter JSON Schema with the JSDoc of the fields', async () => {
    const result = await lab(['schema']);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout);
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const kinds = (schema.oneOf ?? schema.anyOf).map((s: { properties: { kind: { const: string } } }) => s.properties.kind.const);
    expect(kinds).toEqual(expect.arrayContaining(['tutorial', 'challenge', 'skill-path', 'unit', 'course', 'module', 'lesson']));
    const challenge = (schema.oneOf ?? schema.anyOf).find((s: { properties: { kind: { const: string } } }) => s.properties.kind.const === 'challenge');
    // The text is the JSDoc of `timeout_seconds` in packages/sdk/src/schemas/task.ts.
    const timeout = challenge.properties.tasks.additionalProperties.properties.timeout_seconds;
    expect(timeout.description).toMatch(/^Seconds before one execution of the task times out/);
    expect(timeout.examples).toEqual([90]);
    expect(timeout.markdownDescription).toContain('Example: `90`');
    // Authors may leave out fields that have defaults: the schema is the input side.
    expect(challenge.properties.tasks.additionalProperties.required).toEqual(['run']);
    expect(result.stdout).not.toContain('x-labkit-section');
  });

  it('writes one kind to a file with --out --kind', async () => {
    const out = join(tempDir('schema'), 'challenge.schema.json');
    const result = await lab(['schema', '--kind', 'challenge', '--out', out]);
    expect(result.code).toBe(0);
    const schema = JSON.parse(readFileSync(out, 'utf8'));
    expect(schema.properties.kind.const).toBe('challenge');
    expect(schema.required).toEqual(expect.arrayContaining(['kind', 'title', 'difficulty']));
  });

  it('rejects an unknown kind', async () => {
    const result = await lab(['schema', '--kind', 'recipe']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Allowed choices are');
  });
});
