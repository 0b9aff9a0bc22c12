// @labkit/cli: the `lab` command as a function, and lab.config.ts. Named re-exports only.
export { main } from './main.ts';
export { defineConfig, labConfigSchema, loadLabConfig, checkLabConfig } from './config/lab-config.ts';
export type { LabConfig } from './config/lab-config.ts';
export { findProjectRoot } from './project-root.ts';
