// @labkit/cli: the `lab` command as a function, each command as a typed
// function (the CLI only parses flags around them, prints their results and
// sets exit codes), and lab.config.ts. Named re-exports only; the list is
// pinned by test/api.test.ts.
export { main } from './main.ts';
export { defineConfig, labConfigSchema, loadLabConfig, checkLabConfig } from './config/lab-config.ts';
export type { LabConfig } from './config/lab-config.ts';
export { findProjectRoot } from './project-root.ts';
export { silentReporter } from './run/reporter.ts';
export type { CommandReporter } from './run/reporter.ts';
export { validate } from './run/validate.ts';
export type { ValidateOptions, ValidateResult } from './run/validate.ts';
export { init, installProject } from './run/init.ts';
export type { InitOptions, InitResult } from './run/init.ts';
export { newItem, newKinds } from './run/new.ts';
export type { NewItemOptions, NewItemResult, NewKind } from './run/new.ts';
export { schema } from './run/schema.ts';
export type { SchemaOptions, SchemaResult } from './run/schema.ts';
export { docs } from './run/docs.ts';
export type { DocsOptions, DocsResult } from './run/docs.ts';
export { importKillercoda } from './run/import.ts';
export type { ImportKillercodaCommandResult } from './run/import.ts';
export { doctor } from './run/doctor.ts';
export type { DoctorReport, DoctorCheck } from './doctor/doctor.ts';
export { buildImages, buildBaseImage, listImages, pruneImages } from './run/image.ts';
export type { BuildImagesOptions } from './run/image.ts';
export { startPlayground } from './run/playground.ts';
export type { StartPlaygroundOptions } from './run/playground.ts';
export { createMcpServer } from './run/mcp.ts';
