// `@labkit/sdk/light`: the parts of the SDK that load in milliseconds (no
// schemas, no Markdown pipeline, no renderer), for paths that must start
// fast, such as `lab validate --cache` answering an unchanged folder from its
// stored result. Everything here is also exported by `@labkit/sdk`, as the
// same functions. test/lazy-modules.test.ts keeps its module graph free of zod,
// unified, micromark and yaml.
export { LabkitError, defineErrors, isLabkitError } from './errors/labkit-error.ts';
export type { ErrorSpec, ErrorFactory } from './errors/labkit-error.ts';
export { ContentDirErrors, contentDir } from './graph/content-dir.ts';
export { discoverFiles } from './graph/discover.ts';
export type { RefusedLink, UnreadableFolder } from './graph/discover.ts';
export { labkitCacheDir, pipelineVersion } from './graph/parse-cache.ts';
export { compareDiagnostics } from './diagnostics/diagnostic.ts';
export type { Diagnostic, Point, Span, Severity } from './diagnostics/diagnostic.ts';
export { compatibilityReport, formatDiagnostics, summarize } from './diagnostics/format.ts';
export type { FormatOptions, DiagnosticSummary } from './diagnostics/format.ts';
export { readIfExists } from './util/read-if-exists.ts';
export { startWorkerThread, workerExecArgv } from './graph/worker-thread.ts';
