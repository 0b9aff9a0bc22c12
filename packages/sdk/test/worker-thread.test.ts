// Worker threads under the parent's command-line options: Node refuses V8
// flags in a worker's execArgv (ERR_WORKER_INVALID_EXEC_ARGV), so `node
// --max-old-space-size=4096 lab validate` on a folder big enough for workers
// stopped with an internal error. Real processes, real workers.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const helper = fileURLToPath(new URL('../src/graph/worker-thread.ts', import.meta.url));

/** Runs `script` as the entry of a Node started with `flags` (each -e script sees the helper as `h`). */
function node(flags: string[], script: string) {
  const body = `const h = await import(${JSON.stringify(helper)});\n${script}`;
  return spawnSync(process.execPath, [...flags, '--input-type=module', '-e', body], { encoding: 'utf8' });
}

const START = `
const w = h.startWorkerThread(new URL('data:text/javascript,import { parentPort } from "node:worker_threads"; parentPort.postMessage(process.execArgv)'), { execArgv: h.workerExecArgv(['--no-warnings']) });
w.once('message', (m) => { console.log(JSON.stringify(m)); w.terminate(); });
w.once('error', (e) => { console.error('worker error', e); process.exitCode = 3; });
`;

describe("worker threads and the parent's options", () => {
  it("a plain Worker with the parent's V8 flag is refused (what the helper works around)", () => {
    const r = node(['--max-old-space-size=1024'], `
import { Worker } from 'node:worker_threads';
try { new Worker(new URL('data:text/javascript,'), { execArgv: process.execArgv.filter((a) => a.startsWith('--max')) }); console.log('started'); }
catch (e) { console.log(e.code); }`);
    expect(r.stdout.trim()).toBe('ERR_WORKER_INVALID_EXEC_ARGV');
  });

  it("starts a worker under V8 flags, without them and without the entry's -e code and --input-type, with the options asked for", () => {
    const r = node(['--max-old-space-size=1024', '--stack-trace-limit=50', '--no-deprecation'], START);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const execArgv = JSON.parse(r.stdout) as string[];
    expect(execArgv).toContain('--no-deprecation'); // a Node option is passed on
    expect(execArgv).toContain('--no-warnings'); // the extra one
    expect(execArgv.some((a) => a.startsWith('--max-old-space-size') || a.startsWith('--stack-trace-limit'))).toBe(false);
    expect(execArgv.some((a) => a === '-e' || a.startsWith('--input-type') || a.includes('startWorkerThread'))).toBe(false);
  });

  it('still throws a refusal the parent did not cause', () => {
    // A URL scheme a worker cannot load: refused in the constructor, nothing to do with flags (nothing is fetched).
    const r = node(['--max-old-space-size=1024'], `try { h.startWorkerThread(new URL('https://127.0.0.1/x.js'), { execArgv: h.workerExecArgv() }); console.log('started'); } catch (e) { console.log('threw', e.code); }`);
    expect(r.stdout.trim()).toBe('threw ERR_INVALID_URL_SCHEME');
  });
});
