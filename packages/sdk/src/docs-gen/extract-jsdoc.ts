import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import ts from 'typescript';

/** The JSDoc of one field of a zod object schema, as the author wrote it. */
export interface FieldDoc {
  /** Property key in the object literal, e.g. `timeout_seconds`. */
  name: string;
  /** JSDoc text without tags. */
  description: string;
  /** Text of the `@example` tag, if any (usually JSON). */
  example?: string;
  /** Fields of an object literal nested inline in this field's schema. */
  fields?: FieldDoc[];
}

/** The JSDoc of one exported zod object schema (`export const xSchema = z.object({...})`). */
export interface SchemaDoc {
  /** Exported variable name, e.g. `taskSchema`. */
  exportName: string;
  /** Source file name, e.g. `task.ts`. */
  file: string;
  /** JSDoc on the declaration. */
  description: string;
  fields: FieldDoc[];
}

const OBJECT_FACTORIES = new Set(['object', 'looseObject', 'strictObject']);

/**
 * Reads the zod schema sources with the TypeScript parser (no type checker:
 * JSDoc is syntax, and parsing alone keeps this fast) and returns the JSDoc
 * of every exported object schema and of every field in it, nested object
 * literals included. The schemas' JSDoc is the single source of the field
 * descriptions that editors show on hover, the JSON Schema and the
 * reference docs.
 */
export function extractSchemaDocs(files: string[]): SchemaDoc[] {
  const sources = files.map((file) => ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true));
  const shared = sharedFieldLiterals(sources);
  const out: SchemaDoc[] = [];
  for (const source of sources) {
    const file = source.fileName;
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      if (!statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
      for (const decl of statement.declarationList.declarations) {
        if (!ts.isIdentifier(decl.name) || !decl.initializer) continue;
        const literal = findObjectLiteral(decl.initializer);
        if (!literal) continue;
        out.push({
          exportName: decl.name.text,
          file: basename(file),
          description: docOf(statement).description,
          fields: fieldsOf(literal, shared),
        });
      }
    }
  }
  return out;
}

/** The object literal passed to `z.object(...)` / `z.looseObject(...)` somewhere in an expression chain. */
function findObjectLiteral(node: ts.Node): ts.ObjectLiteralExpression | undefined {
  let found: ts.ObjectLiteralExpression | undefined;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (
      ts.isCallExpression(n) &&
      ts.isPropertyAccessExpression(n.expression) &&
      OBJECT_FACTORIES.has(n.expression.name.text) &&
      n.arguments[0] &&
      ts.isObjectLiteralExpression(n.arguments[0])
    ) {
      found = n.arguments[0];
      return;
    }
    // Do not descend into nested object literals' property values here:
    // the first object factory in the chain is the schema itself.
    ts.forEachChild(n, visit);
  };
  visit(node);
  return found;
}

/**
 * Exported plain object literals (`export const xFields = { ... }`) that
 * schemas spread into their `z.object({...})`, so shared fields are written,
 * and documented, once.
 */
function sharedFieldLiterals(sources: ts.SourceFile[]): Map<string, ts.ObjectLiteralExpression> {
  const shared = new Map<string, ts.ObjectLiteralExpression>();
  for (const source of sources) {
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const decl of statement.declarationList.declarations) {
        if (ts.isIdentifier(decl.name) && decl.initializer && ts.isObjectLiteralExpression(decl.initializer)) {
          shared.set(decl.name.text, decl.initializer);
        }
      }
    }
  }
  return shared;
}

function fieldsOf(literal: ts.ObjectLiteralExpression, shared: Map<string, ts.ObjectLiteralExpression>): FieldDoc[] {
  const fields: FieldDoc[] = [];
  for (const prop of literal.properties) {
    if (ts.isSpreadAssignment(prop) && ts.isIdentifier(prop.expression)) {
      const spread = shared.get(prop.expression.text);
      if (spread) fields.push(...fieldsOf(spread, shared));
      continue;
    }
    if (!ts.isPropertyAssignment(prop)) continue;
    const name = propertyName(prop.name);
    if (name === undefined) continue;
    const doc = docOf(prop);
    const field: FieldDoc = { name, description: doc.description };
    if (doc.example !== undefined) field.example = doc.example;
    const nested = findObjectLiteral(prop.initializer);
    if (nested) field.fields = fieldsOf(nested, shared);
    fields.push(field);
  }
  return fields;
}

function propertyName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return undefined;
}

function docOf(node: ts.Node): { description: string; example?: string } {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const jsdoc = docs.at(-1);
  if (!jsdoc) return { description: '' };
  const description = commentText(jsdoc.comment).trim();
  const exampleTag = jsdoc.tags?.find((t) => t.tagName.text === 'example');
  const example = exampleTag ? commentText(exampleTag.comment).trim() : undefined;
  return example === undefined ? { description } : { description, example };
}

function commentText(comment: string | ts.NodeArray<ts.JSDocComment> | undefined): string {
  if (comment === undefined) return '';
  if (typeof comment === 'string') return comment;
  return comment.map((part) => part.text).join('');
}
