import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const labBin = fileURLToPath(new URL('../bin/lab.js', import.meta.url));
import { repoRoot } from '../../../test-support/paths.ts';

export { repoRoot };

export interface LabResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `lab` CLI in a child process (Node 24, the one running the tests); `input`, when given, is written to its stdin, which is then closed. */
export function lab(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<LabResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [labBin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (options.input !== undefined) child.stdin.end(options.input);
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `labkit-cli-${prefix}-`));
}
