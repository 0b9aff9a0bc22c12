import { z } from 'zod';
import { contentSchema, schemaForKind } from '../schemas/content.ts';
import type { ContentKind } from '../schemas/content.ts';
import type { FieldDoc, SchemaDoc } from './extract-jsdoc.ts';
import { schemaCatalog } from './schema-catalog.ts';
import type { CatalogEntry } from './schema-catalog.ts';

/** A JSON Schema node, loosely typed: we only add annotations to it. */
export type JsonSchemaNode = { [key: string]: unknown };

/** Marks a property whose schema has its own reference section (used by the docs, stripped from `lab schema`). */
export const REF_MARK = 'x-labkit-section';

interface DocTarget {
  doc: { description: string; fields: FieldDoc[] };
  entry?: CatalogEntry;
}

/**
 * Maps every documented zod object instance (catalogue entries and object
 * literals nested inline in their fields) to its JSDoc. zod's `override`
 * hook hands us the zod instance of every node, so identity is the key.
 */
function docTargets(docs: readonly SchemaDoc[]): Map<unknown, DocTarget> {
  const byName = new Map(docs.map((d) => [d.exportName, d]));
  const targets = new Map<unknown, DocTarget>();
  const addNested = (schema: z.ZodType, fields: FieldDoc[]): void => {
    const shape = objectShape(schema);
    if (!shape) return;
    for (const field of fields) {
      if (!field.fields) continue;
      const inner = findObject(shape[field.name]);
      if (!inner) continue;
      targets.set(inner, { doc: { description: field.description, fields: field.fields } });
      addNested(inner, field.fields);
    }
  };
  for (const entry of schemaCatalog) {
    const doc = byName.get(entry.exportName);
    if (!doc) continue;
    targets.set(entry.schema, { doc, entry });
    addNested(entry.schema, doc.fields);
  }
  return targets;
}

function def(schema: unknown): Record<string, unknown> | undefined {
  return (schema as { _zod?: { def?: Record<string, unknown> } } | undefined)?._zod?.def;
}

function objectShape(schema: unknown): Record<string, z.ZodType> | undefined {
  const d = def(schema);
  return d?.type === 'object' ? (d.shape as Record<string, z.ZodType>) : undefined;
}

/** The first object schema inside optional/nullable/default/array/record/union wrappers. */
function findObject(schema: unknown): z.ZodType | undefined {
  const d = def(schema);
  if (!d) return undefined;
  if (d.type === 'object') return schema as z.ZodType;
  for (const key of ['innerType', 'element', 'valueType', 'in']) {
    const found = d[key] ? findObject(d[key]) : undefined;
    if (found) return found;
  }
  if (Array.isArray(d.options)) {
    for (const option of d.options) {
      const found = findObject(option);
      if (found) return found;
    }
  }
  return undefined;
}

/** Best-effort parse of an `@example` tag: JSON when it is JSON, else the raw text. */
function parseExample(example: string): unknown {
  try {
    return JSON.parse(example);
  } catch {
    return example;
  }
}

function annotate(node: JsonSchemaNode, description: string, example: string | undefined): void {
  if (description) node.description = description;
  const parsed = example === undefined ? undefined : parseExample(example);
  // The YAML language server shows markdownDescription on hover and in completion.
  const exampleText = example === undefined ? '' : `\n\nExample: \`${typeof parsed === 'string' ? parsed : JSON.stringify(parsed)}\``;
  if (description || exampleText) node.markdownDescription = `${description}${exampleText}`;
  if (parsed !== undefined) node.examples = [parsed];
}

export interface JsonSchemaOptions {
  /** One kind only; default: every kind, chosen by `kind`. */
  kind?: ContentKind;
  /** Keep the `x-labkit-section` marks (the docs renderer needs them). */
  keepMarks?: boolean;
  /** Any other root schema (the docs renderer renders one catalogue entry at a time). */
  root?: z.ZodType;
}

/**
 * The JSON Schema of content front matter, generated from the zod schemas
 * (`z.toJSONSchema`, input side: what authors write, defaults optional) and
 * enriched with each field's JSDoc as `description`, `markdownDescription`
 * and `examples`, so editors with the YAML language server show them on
 * hover and completion. Draft-07: the draft every YAML language server
 * version handles fully.
 */
export function buildJsonSchema(docs: readonly SchemaDoc[], options: JsonSchemaOptions = {}): JsonSchemaNode {
  const targets = docTargets(docs);
  const root = options.root ?? (options.kind ? schemaForKind(options.kind) : contentSchema);
  const json = z.toJSONSchema(root, {
    target: 'draft-07',
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const target = targets.get(ctx.zodSchema);
      if (!target) return;
      const node = ctx.jsonSchema as JsonSchemaNode;
      if (target.doc.description && !node.description) node.description = target.doc.description;
      if (target.doc.description && !node.markdownDescription) node.markdownDescription = target.doc.description;
      if (target.entry) node[REF_MARK] = target.entry.exportName;
      const properties = node.properties as Record<string, JsonSchemaNode> | undefined;
      if (!properties) return;
      for (const field of target.doc.fields) {
        const prop = properties[field.name];
        if (prop) annotate(prop, field.description, field.example);
      }
    },
  }) as JsonSchemaNode;
  json.$id = options.kind ? `https://labkit.dev/schema/${options.kind}.json` : 'https://labkit.dev/schema/content.json';
  json.title = options.kind ? `Labkit ${options.kind} front matter` : 'Labkit content front matter';
  if (!json.description) {
    json.description = 'Front matter of a Labkit / iximiuz Labs content file (tutorial, challenge, skill path, unit, course, module, lesson), chosen by `kind`. Generated by `lab schema`.';
  }
  return options.keepMarks ? json : stripMarks(json);
}

function stripMarks(node: unknown): JsonSchemaNode {
  return JSON.parse(JSON.stringify(node, (key, value) => (key === REF_MARK ? undefined : value))) as JsonSchemaNode;
}
