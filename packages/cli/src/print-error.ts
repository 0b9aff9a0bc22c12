import pc from 'picocolors';
import type { LabkitError } from '@labkit/sdk';

/** The one place tool errors are printed: title, message, then the hint. */
export function printError(error: LabkitError): void {
  process.stderr.write(`${pc.red(pc.bold(`error[${error.code}]`))} ${pc.bold(error.title)}\n  ${error.message}\n`);
  if (error.hint) process.stderr.write(`  ${pc.cyan('hint:')} ${error.hint}\n`);
}
