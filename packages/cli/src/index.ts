// @labkit/cli: the `lab` command as a function. Named re-exports only.
export { main } from './main.ts';
