import type { BundleInput, Diagnostic } from '@labkit/sdk';

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
export interface PublishSteps<G extends LoadedContent = LoadedContent> {
  /** Load and validate the content folder (`loadContent`); `code: false` never imports `*.lab.ts`. */
  load(dir: string, options?: { code?: boolean }): Promise<G>;
  /** Build the static site into `out` (`lab build`). */
  build(graph: G, out: string, options?: { code?: boolean }): Promise<void>;
  /** Run challenge checks (`lab test`); resolves with the failures and why. */
  test(graph: G): Promise<{ passed: number; failed: number; failures?: Array<{ id: string; reason: string }> }>;
  /** The bundle's items and model (`bundleInputFromGraph`). */
  bundle(graph: G): Promise<Omit<BundleInput, 'site'>>;
}

// The other packages' entry points are imported by name at run time:
// `lab publish --site dist` must work even where the site or runtime
// package is not installed or not ready, and `lab --help` stays fast.
type Loose = Record<string, unknown>;
const load = async (spec: string): Promise<Loose> => (await import(spec)) as Loose;

function need<F>(mod: Loose, name: string, what: string): F {
  const fn = mod[name];
  if (typeof fn !== 'function') throw new Error(`${what} is not available in this Labkit build (missing export ${name}).`);
  return fn as F;
}

/** The real stages, from @labkit/sdk, @labkit/site and @labkit/runtime. */
export const defaultSteps: PublishSteps = {
  async load(dir, options) {
    const loadContent = need<(dir: string, options?: Loose) => Promise<LoadedContent>>(await load('@labkit/sdk'), 'loadContent', 'The content loader');
    return loadContent(dir, options?.code === false ? { code: false } : {});
  },
  async build(graph, out, options) {
    const build = need<(options: Loose) => Promise<{ ok?: boolean; diagnostics?: Array<{ severity?: string }> }>>(await load('@labkit/site'), 'build', 'lab build');
    const result = await build({ dir: graph.root, outDir: out, ...(options?.code === false ? { code: false } : {}) });
    if (result.ok === false) {
      const errors = (result.diagnostics ?? []).filter((d) => d.severity === 'error').length;
      throw new Error(`the site build stopped with ${errors} error(s); lab build prints them with their place.`);
    }
  },
  async test(graph) {
    // lab test refuses a folder without challenges; for publish that just means nothing to test.
    if (!graph.items.some((item) => item.kind === 'challenge')) return { passed: 0, failed: 0, failures: [] };
    type Report = { challenges?: Array<{ id?: string; ok?: boolean; error?: string; tasks?: Array<{ name?: string; ok?: boolean }> }> };
    const testChallenges = need<(paths: string[]) => Promise<Report>>(await load('@labkit/runtime'), 'testChallenges', 'lab test');
    const report = await testChallenges([graph.root]);
    const challenges = report.challenges ?? [];
    const failures = challenges
      .filter((c) => !c.ok)
      .map((c) => ({ id: c.id ?? '?', reason: c.error ?? `checks not passing: ${(c.tasks ?? []).filter((t) => !t.ok).map((t) => t.name).join(', ')}` }));
    return { passed: challenges.length - failures.length, failed: failures.length, failures };
  },
  async bundle(graph) {
    const bundleInputFromGraph = need<(graph: LoadedContent) => Promise<Omit<BundleInput, 'site'>>>(await load('@labkit/sdk'), 'bundleInputFromGraph', 'The content bundle');
    return bundleInputFromGraph(graph);
  },
};
