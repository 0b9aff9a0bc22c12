import { existsSync, chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, describe, expect, it } from 'vitest';
import { labBin, repoRoot, tempDir } from './helpers.ts';

/**
 * `lab mcp` driven by the MCP SDK's own client over stdio: list the tools,
 * validate a broken item, start a real playground (one busybox VM), run a
 * command in it, stop it. Run under the heavy lock:
 *   flock /tmp/labkit-heavy.lock pnpm vitest run packages/cli/test/mcp.test.ts
 */
const canBoot = existsSync('/usr/bin/qemu-system-x86_64') && existsSync(join(process.env.HOME ?? '', '.cache/labkit/images'));
const stateDir = tempDir('mcp-state');
chmodSync(stateDir, 0o700);

const project = tempDir('mcp-project');
mkdirSync(join(project, 'challenges/broken'), { recursive: true });
writeFileSync(
  join(project, 'challenges/broken/index.md'),
  `---
kind: challenge
title: Broken
description: Needs a task that does not exist.
categories: [linux]
difficulty: easy
createdAt: 2026-12-02
playground:
  name: busybox
tasks:
  check:
    needs: [no_such_task]
    run: "true"
---

Body.
`,
);

type Text = { content: Array<{ type: string; text: string }>; isError?: boolean };
const parse = (result: unknown) => JSON.parse((result as Text).content[0]!.text);

describe('lab mcp', () => {
  let client: Client | undefined;
  afterAll(async () => {
    await client?.close();
  });

  it('serves the author tools to the SDK client over stdio', { timeout: 240_000 }, async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [labBin, 'mcp'],
      cwd: project,
      env: { ...(process.env as Record<string, string>), NO_COLOR: '1', LABKIT_PLAYGROUND_DIR: stateDir },
      stderr: 'pipe',
    });
    client = new Client({ name: 'labkit-test', version: '1.0.0' });
    await client.connect(transport);

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['playground_exec', 'playground_list', 'playground_start', 'playground_stop', 'test_item', 'validate']);

    const validated = parse(await client.callTool({ name: 'validate', arguments: {} }));
    expect(validated.summary.errors).toBeGreaterThan(0);
    const needs = validated.diagnostics.find((d: { message: string }) => d.message.includes('no_such_task'));
    expect(needs).toMatchObject({ file: 'challenges/broken/index.md', severity: 'error' });
    expect(needs.line).toBeGreaterThan(1);

    const unknown = (await client.callTool({ name: 'playground_exec', arguments: { id: 'nope', command: 'true' } })) as Text;
    expect(unknown.isError).toBe(true);
    expect(parse(unknown).error).toBe('PlaygroundNotRunning');

    if (!canBoot) return;
    const record = parse(await client.callTool({ name: 'playground_start', arguments: { target: 'busybox' } }));
    expect(record.machines).toEqual([{ name: 'busybox', user: 'root' }]);
    try {
      const ran = parse(await client.callTool({ name: 'playground_exec', arguments: { id: record.id, command: 'cat; hostname; exit 3', stdin: 'from the assistant\n' } }));
      expect(ran).toEqual({ exitCode: 3, stdout: 'from the assistant\nbusybox\n', stderr: '' });
      const listed = parse(await client.callTool({ name: 'playground_list', arguments: {} }));
      expect(listed.map((r: { id: string }) => r.id)).toEqual([record.id]);
    } finally {
      const stopped = parse(await client.callTool({ name: 'playground_stop', arguments: { id: record.id } }));
      expect(stopped).toEqual({ stopped: [record.id] });
    }
    expect(existsSync(`/proc/${record.pid}`)).toBe(false);
    expect(readdirSync(stateDir)).toEqual([]);
  });
});
