import { loadContent } from '@labkit/sdk';

/**
 * Loads an imported folder with the SDK's real loader and validator.
 * Returns the items it found (`kind:name`) and every error, so a test can
 * check both that the import is complete and that it is valid.
 */
export async function loadImported(out: string): Promise<{ items: string[]; errors: string[]; warnings: string[] }> {
  const graph = await loadContent(out);
  const place = (d: (typeof graph.diagnostics)[number]) => `${d.file}:${d.span.start.line}:${d.span.start.column} ${d.ruleId} ${d.message}`;
  return {
    items: graph.items.map((i) => `${i.kind}:${i.name}`).sort(),
    errors: graph.diagnostics.filter((d) => d.severity === 'error').map(place),
    warnings: graph.diagnostics.filter((d) => d.severity === 'warning').map(place),
  };
}
