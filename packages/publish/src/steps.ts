import type { BundleInput, ContentGraph, Diagnostic } from '@labkit/sdk';
import { PublishErrors } from './errors.ts';

/** What publish needs from a loaded content graph. */
export interface LoadedContent {
  root: string;
  diagnostics: readonly Diagnostic[];
  items: ReadonlyArray<{ kind: string }>;
}

/**
 * The stages `lab publish` runs before syncing, each owned by another
 * package. They are an interface so a caller (or a test of the sync path)
 * can swap one, e.g. publish a site built elsewhere.
 */
export interface PublishSteps<G extends LoadedContent = ContentGraph> {
  /** Load and validate the content folder (`loadContent`); `code: false` never imports `*.lab.ts`. */
  load(dir: string, options?: { code?: boolean }): Promise<G>;
  /** Build the static site into `out` (`lab build`). */
  build(graph: G, out: string, options?: { code?: boolean }): Promise<void>;
  /** Run challenge checks (`lab test`); resolves with the failures and why. */
  test(graph: G): Promise<{ passed: number; failed: number; failures?: Array<{ id: string; reason: string }> }>;
  /** The bundle's items and model (`bundleInputFromGraph`). */
  bundle(graph: G): Promise<Omit<BundleInput, 'site'>>;
}

// The site and the runtime are imported when their stage runs (typed
// `import()`, no retyping): `lab publish --site dist` never loads Astro's
// side, and publishing without --test never loads the VM code.

/** The real stages, from @labkit/sdk, @labkit/site and @labkit/runtime. */
export const defaultSteps: PublishSteps = {
  async load(dir, options) {
    const { loadContent } = await import('@labkit/sdk');
    return loadContent(dir, options?.code === false ? { code: false } : {});
  },
  async build(graph, out, options) {
    const { build } = await import('@labkit/site');
    // The graph publish loaded (and validated): the build does not read the folder again.
    const result = await build({ dir: graph.root, outDir: out, graph, ...(options?.code === false ? { code: false } : {}) });
    if (!result.ok) throw PublishErrors.BuildHadErrors(result.diagnostics.filter((d) => d.severity === 'error').length);
  },
  async test(graph) {
    // lab test refuses a folder without challenges; for publish that just means nothing to test.
    if (!graph.items.some((item) => item.kind === 'challenge')) return { passed: 0, failed: 0, failures: [] };
    const { testChallenges } = await import('@labkit/runtime');
    const report = await testChallenges([graph]);
    const failures = report.challenges
      .filter((c) => !c.ok)
      .map((c) => ({ id: c.id, reason: c.error ?? `checks not passing: ${c.tasks.filter((t) => !t.ok).map((t) => t.name).join(', ')}` }));
    return { passed: report.challenges.length - failures.length, failed: failures.length, failures };
  },
  async bundle(graph) {
    const { bundleInputFromGraph } = await import('@labkit/sdk');
    return bundleInputFromGraph(graph);
  },
};
