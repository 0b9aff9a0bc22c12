import type { Diagnostic } from '@labkit/sdk';

/**
 * How a command function tells its caller what happens while it runs. The
 * outcome is the function's result; the reporter only sees things as they
 * happen, so a terminal can show them (the CLI), a test can collect them,
 * and another program can ignore them ({@link silentReporter}). Every
 * command function takes one as `reporter`.
 */
export interface CommandReporter {
  /** A step is under way ("loading content", "$ npm install", "building busybox"). */
  progress(message: string): void;
  /** Content problems, as they are found: the SDK's one Diagnostic type, never printed here. */
  diagnostics(found: readonly Diagnostic[]): void;
}

/** A reporter that drops everything (the default of every command function). */
export const silentReporter: CommandReporter = {
  progress() {},
  diagnostics() {},
};
