// The SDK's public API. Named re-exports only (no `export *`), so the
// surface is explicit and a test can pin it.
export { LabkitError, defineErrors, isLabkitError } from './errors/labkit-error.ts';
export type { ErrorSpec, ErrorFactory } from './errors/labkit-error.ts';
