import { spawn } from 'node:child_process';
import { RuntimeErrors } from '../errors.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a host tool to completion. Throws ImageBuildFailed on a non-zero exit unless `allowFail`. */
export function run(cmd: string, args: string[], options: { cwd?: string; allowFail?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => reject(RuntimeErrors.ImageBuildFailed(cmd, error.message)));
    child.on('close', (code) => {
      const result = { code: code ?? -1, stdout, stderr };
      if (result.code !== 0 && !options.allowFail) {
        reject(RuntimeErrors.ImageBuildFailed(`${cmd} ${args.slice(0, 3).join(' ')}`, stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${result.code}`));
      } else resolve(result);
    });
  });
}

/** Throws ToolMissing (with the Debian package to install) when `tool` is not on PATH. */
export async function requireTool(tool: string, why: string): Promise<void> {
  const r = await run('sh', ['-c', `command -v ${tool}`], { allowFail: true });
  if (r.code !== 0) throw RuntimeErrors.ToolMissing(tool, why);
}
