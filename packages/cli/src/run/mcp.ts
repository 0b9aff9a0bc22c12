import path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { isLabkitError } from '@labkit/sdk';
import { z } from 'zod';
import { startPlayground } from './playground.ts';
import { validate } from './validate.ts';

/** Output kept per stream from one `playground_exec` (the rest is cut and said so). */
const MAX_EXEC_OUTPUT = 64 * 1024;

type ToolResult = { content: Array<{ type: 'text'; text: string }>; isError?: boolean };

const json = (value: unknown, isError = false): ToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], ...(isError ? { isError: true } : {}) });

/** A tool's failure goes back to the assistant as a result it can read, never as a crash of the server. */
async function guarded(fn: () => Promise<ToolResult>): Promise<ToolResult> {
  try {
    return await fn();
  } catch (error) {
    if (isLabkitError(error)) return json({ error: error.code, title: error.title, message: error.message, hint: error.hint }, true);
    return json({ error: 'Unexpected', message: error instanceof Error ? error.message : String(error) }, true);
  }
}

/**
 * `lab mcp`: what an author does, as Model Context Protocol tools an AI
 * assistant can call: validate content and read its diagnostics, start a
 * playground, run commands in it, run `lab test` on an item, stop it.
 * Everything is local: the content folder is `root` (paths the assistant
 * passes are relative to it), playgrounds are the same ones
 * `lab playground` manages.
 */
export function createMcpServer(options: { root: string; version: string }): McpServer {
  const server = new McpServer({ name: 'labkit', version: options.version });
  const under = (p: string | undefined) => path.resolve(options.root, p ?? '.');

  server.registerTool(
    'validate',
    {
      title: 'Validate content',
      description: 'Runs `lab validate` on a content folder (default: the project root) and returns every diagnostic with file, line:column, rule id, severity, message and hint.',
      inputSchema: { dir: z.string().optional().describe('content folder, relative to the project root') },
      annotations: { readOnlyHint: true },
    },
    ({ dir }) =>
      guarded(async () => {
        const { graph, summary } = await validate({ dir: under(dir) });
        const diagnostics = graph.diagnostics.map((d) => ({ file: d.file, line: d.span.start.line, column: d.span.start.column, ruleId: d.ruleId, severity: d.severity, message: d.message, ...(d.hint ? { hint: d.hint } : {}), ...(d.expected ? { expected: d.expected } : {}) }));
        return json({ summary, items: graph.items.length, diagnostics });
      }),
  );

  server.registerTool(
    'playground_start',
    {
      title: 'Start a playground',
      description: "Boots a playground (by name, e.g. busybox) or an item's playground (by id such as challenge:x, or folder; its init tasks run). The machines keep running until playground_stop. Returns the playground's id and machines.",
      inputSchema: { target: z.string().describe('playground name, item id or item folder'), ssh: z.boolean().optional().describe('also make the machines reachable by OpenSSH') },
    },
    ({ target, ssh }) =>
      guarded(async () => {
        const record = await startPlayground({ target, dir: options.root, ...(ssh ? { ssh: true } : {}) });
        return json(record);
      }),
  );

  server.registerTool(
    'playground_list',
    { title: 'List playgrounds', description: 'The running playgrounds, their machines and ids.', annotations: { readOnlyHint: true } },
    () =>
      guarded(async () => {
        const { listPlaygrounds } = await import('@labkit/runtime/playground-host');
        return json(listPlaygrounds());
      }),
  );

  server.registerTool(
    'playground_exec',
    {
      title: 'Run a command in a playground',
      description: 'Runs a shell command in a machine of a running playground (as `lab ssh <id> -- <command>`) and returns its exit code, stdout and stderr (each cut at 64 KiB).',
      inputSchema: {
        id: z.string().describe('playground id from playground_start'),
        command: z.string().describe('shell command'),
        machine: z.string().optional(),
        user: z.string().optional(),
        stdin: z.string().optional().describe('text for the command to read on stdin'),
      },
    },
    ({ id, command, machine, user, stdin }) =>
      guarded(async () => {
        const { runInPlayground } = await import('@labkit/runtime/playground-host');
        const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], size: { stdout: 0, stderr: 0 }, truncated: false };
        const keep = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
          const room = MAX_EXEC_OUTPUT - out.size[stream];
          if (d.length > room) out.truncated = true;
          if (room > 0) {
            out[stream].push(d.subarray(0, room));
            out.size[stream] += Math.min(room, d.length);
          }
        };
        const exitCode = await runInPlayground(id, { script: command, ...(machine ? { machine } : {}), ...(user ? { user } : {}), stdin: Buffer.from(stdin ?? ''), onStdout: keep('stdout'), onStderr: keep('stderr') });
        return json({ exitCode, stdout: Buffer.concat(out.stdout).toString(), stderr: Buffer.concat(out.stderr).toString(), ...(out.truncated ? { truncated: true } : {}) });
      }),
  );

  server.registerTool(
    'playground_stop',
    {
      title: 'Stop a playground',
      description: 'Stops a playground (or every one with all: true); its machines are gone when this returns.',
      inputSchema: { id: z.string().optional(), all: z.boolean().optional() },
      annotations: { destructiveHint: true },
    },
    ({ id, all }) =>
      guarded(async () => {
        const { listPlaygrounds, stopPlayground } = await import('@labkit/runtime/playground-host');
        const ids = all ? listPlaygrounds().map((r) => r.id) : id ? [id] : [];
        if (!ids.length) return json({ error: 'BadArguments', message: 'pass an id, or all: true' }, true);
        await Promise.all(ids.map((one) => stopPlayground(one)));
        return json({ stopped: ids });
      }),
  );

  server.registerTool(
    'test_item',
    {
      title: 'Run lab test on an item',
      description: "Runs `lab test` on a challenge folder (or a folder of challenges): boots its playground, checks its tasks fail before the solution and pass after. Returns the report and the run's wide events (per task run and machine step, with durations and exit codes).",
      inputSchema: { path: z.string().describe('challenge folder, or a folder of challenges, relative to the project root'), only: z.array(z.string()).optional() },
    },
    ({ path: item, only }) =>
      guarded(async () => {
        const { testChallenges } = await import('@labkit/runtime');
        const events: unknown[] = [];
        const report = await testChallenges([under(item)], { concurrency: 1, ...(only ? { filter: only } : {}), onEvent: (event) => void events.push(event) });
        return json({ report, events }, !report.ok);
      }),
  );

  return server;
}
