// The SDK's public API. Named re-exports only (no `export *`), so the
// surface is explicit and a test can pin it.
export { LabkitError, defineErrors, isLabkitError } from './errors/labkit-error.ts';
export { ContentDirErrors, contentDir } from './graph/content-dir.ts';
export type { ErrorSpec, ErrorFactory } from './errors/labkit-error.ts';

// Content model
export { DEFAULT_TASK_TIMEOUT_SECONDS, taskSchema, tasksSchema, taskConditionSchema } from './schemas/task.ts';
export type { Task, TaskInput } from './schemas/task.ts';
export {
  playgroundSchema,
  machineSchema,
  machineResourcesSchema,
  machineUserSchema,
  startupFileSchema,
  tabSchema,
  tabKinds,
  networkSchema,
} from './schemas/playground.ts';
export type { Playground, PlaygroundInput, Machine, Tab } from './schemas/playground.ts';
export {
  playgroundDefinitionSchema,
  playgroundSpecSchema,
  definitionMachineSchema,
  driveSchema,
  initConditionValueSchema,
  imageBuildSchema,
  serviceSchema,
  containerImageSchema,
  builtinContainerImages,
} from './schemas/playground-definition.ts';
export type { PlaygroundDefinition, PlaygroundDefinitionInput, ImageBuild, Service, ContainerImage } from './schemas/playground-definition.ts';
export { builtinPlaygrounds, builtinPlaygroundsDir, platformOnlyPlaygrounds } from './playgrounds/builtin-playgrounds.ts';
export type { PlaygroundEntry } from './playgrounds/builtin-playgrounds.ts';
export { playgroundsOf, resolvePlayground, usersOf } from './playgrounds/resolve-playground.ts';
export { tutorialSchema } from './schemas/tutorial.ts';
export type { Tutorial, TutorialInput } from './schemas/tutorial.ts';
export { challengeSchema } from './schemas/challenge.ts';
export type { Challenge, ChallengeInput } from './schemas/challenge.ts';
export { skillPathSchema, skillPathUnitSchema } from './schemas/skill-path.ts';
export type { SkillPath, SkillPathInput, SkillPathUnit, SkillPathUnitInput } from './schemas/skill-path.ts';
export { courseSchema, courseModuleSchema, courseLessonSchema, courseUnitSchema } from './schemas/course.ts';
export type {
  Course,
  CourseInput,
  CourseModule,
  CourseModuleInput,
  CourseLesson,
  CourseLessonInput,
  CourseUnit,
  CourseUnitInput,
} from './schemas/course.ts';
export { contentSchema, contentKinds, schemaForKind } from './schemas/content.ts';
export type { Content, ContentInput, ContentKind } from './schemas/content.ts';
export { referenceMapSchema, referenceKinds } from './schemas/references.ts';
export type { ReferenceKey } from './schemas/references.ts';
export { categories, difficulties } from './schemas/common.ts';

// MDC components
export { componentRegistry, taskComponentNames, getComponent } from './components/registry.ts';
export type { ComponentSpec, ComponentProp, PropType } from './components/registry.ts';
export { renderDocument } from './render/render-document.ts';
export { parseCodeMeta } from './render/code-block.ts';
export { KNOWN_COMPONENTS } from './render/components.ts';
export { contentSanitizeSchema } from './render/sanitize-schema.ts';
export type { RenderOptions, RenderedDocument, RenderedHeading, RenderedTask, CardTarget, CardReference, ResolvedAsset } from './render/render-options.ts';

// Diagnostics
export { FILE_START, compareDiagnostics } from './diagnostics/diagnostic.ts';
export { diagnostic } from './diagnostics/reporter.ts';
export type { Diagnostic, Point, Span, Severity, RelatedSpan } from './diagnostics/diagnostic.ts';
export { rules, listRules } from './diagnostics/rules.ts';
export type { RuleSpec, RuleId, LabRuleId } from './diagnostics/rules.ts';
export { compatibilityReport, formatDiagnostics, summarize } from './diagnostics/format.ts';
export type { FormatOptions, DiagnosticSummary } from './diagnostics/format.ts';

// Parsing (one pipeline)
export { parseDocument, digestOf } from './parse/parse-document.ts';
// Small helpers the other packages share (one copy each).
export { contentTypeFor } from './util/content-type.ts';
export { resolvePosix } from './util/posix-path.ts';
export { readIfExists } from './util/read-if-exists.ts';
export { shQuote } from './util/sh-quote.ts';
export { hostnameOf, LOOPBACK_HOSTS, normalizeHost, secretMatches } from './util/host-header.ts';
export { discoverFiles, ignoredFolders, isIgnoredFolder } from './graph/discover.ts';
export type { RefusedLink, UnreadableFolder } from './graph/discover.ts';
export { labkitCacheDir, pipelineVersion } from './graph/parse-cache.ts';
export { stampFiles } from './graph/snapshot.ts';
export type { ParsedDocument, ParseOptions } from './parse/parse-document.ts';
export { toPointer } from './parse/front-matter.ts';
export type { FrontMatter, YamlPlace } from './parse/front-matter.ts';
export { markdownProcessor } from './parse/markdown.ts';
export { LineIndex } from './parse/line-index.ts';
export { contentLimits } from './parse/limits.ts';
export { SVG_CONTENT_SECURITY_POLICY, svgResponseHeaders } from './validate/rules/svg-script.ts';

// Reference docs and the front matter JSON Schema (docs-gen, maintained with the CLI)
export { buildJsonSchema } from './docs-gen/json-schema.ts';
export type { JsonSchemaNode, JsonSchemaOptions } from './docs-gen/json-schema.ts';
export { frontMatterJsonSchema, generateReference, loadFieldDocs, staleFiles } from './docs-gen/generate.ts';
export type { GeneratedFile } from './docs-gen/generate.ts';

// Content bundle (lab publish): manifest + resolved model, deterministic
export { createBundle, digestOfFiles } from './bundle/create-bundle.ts';
export type { Bundle, BundleInput, BundleOutputFile, BundleSourceFile, BundleSourceItem } from './bundle/create-bundle.ts';
export { canonicalJson } from './bundle/canonical-json.ts';
export type { CanonicalJsonOptions } from './bundle/canonical-json.ts';
export { sha256Hex } from './bundle/digest.ts';
export { BundleErrors } from './bundle/errors.ts';
export {
  BUNDLE_FORMAT,
  BUNDLE_DIR,
  CONTENT_DIR,
  MANIFEST_PATH,
  MODEL_PATH,
  bundleManifestSchema,
  bundleItemSchema,
  bundleFileEntrySchema,
} from './bundle/manifest-schema.ts';
export type { BundleManifest, BundleItem, BundleFileEntry } from './bundle/manifest-schema.ts';
export { parseBundleManifest, manifestFileDigests } from './bundle/read-manifest.ts';

// Importers
export { importKillercoda } from './importers/lazy.ts';
export type { ImportKillercodaOptions, ImportKillercodaResult, ImportedItem } from './importers/killercoda/import-killercoda.ts';
export { killercodaRules } from './diagnostics/rules.ts';
export type { KillercodaRuleId } from './diagnostics/rules.ts';
export { ImportErrors } from './importers/import-errors.ts';

// Content graph (load once, update incrementally)
export { ContentStore, StoreErrors, loadContent, updateFiles } from './graph/store.ts';
export type { ContentChange, ContentListener } from './graph/store.ts';
export type { LoadOptions, SnapshotReport } from './graph/loader.ts';
export type { ParseGuard } from './graph/workers.ts';
export { startWorkerThread, workerExecArgv } from './graph/worker-thread.ts';
export type {
  ContentGraph,
  ContentItem,
  ContentDocument,
  ContentReference,
  TaskEntry,
  ItemKind,
  DocumentRole,
} from './graph/types.ts';
export { validateGraph } from './validate/validate-graph.ts';
export { closest, didYouMean } from './validate/suggest.ts';
export { propsOf } from './parse/mdc-props.ts';
export { readComponentProps } from './parse/mdc-props.ts';
export type { ComponentProps, MdcComponentNode, MdcSectionNode, PropOrigin } from './parse/mdc-props.ts';

// Content as code
export {
  defineChallenge,
  defineTutorial,
  defineSkillPath,
  defineCourse,
  defineLesson,
  definePlayground,
  task,
  initTask,
  helperTask,
  needsOutput,
  userInput,
} from './define/define.ts';
export type {
  ChallengeDefinition,
  PlaygroundDefinitionDef,
  TutorialDefinition,
  SkillPathDefinition,
  CourseDefinition,
  LessonDefinition,
  ModuleDefinition,
  UnitDefinition,
  TaskDefinition,
  BodySource,
  Defined,
  Strict,
} from './define/define.ts';
export { bundleInputFromGraph, MODEL_FORMAT } from './bundle/bundle-from-graph.ts';
export type { BundleFromGraphOptions } from './bundle/bundle-from-graph.ts';
