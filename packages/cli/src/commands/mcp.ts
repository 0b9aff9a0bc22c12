import type { Command } from 'commander';

/** `lab mcp`: a Model Context Protocol server on stdio for AI coding assistants. */
export function register(program: Command): void {
  program
    .command('mcp')
    .description('Serve Model Context Protocol tools on stdio (validate, playground_start/exec/stop, test_item) for AI assistants')
    .action(async () => {
      const [{ StdioServerTransport }, { createMcpServer }] = await Promise.all([import('@modelcontextprotocol/sdk/server/stdio.js'), import('../run/mcp.ts')]);
      const server = createMcpServer({ root: process.cwd(), version: '0.1.0' });
      await server.connect(new StdioServerTransport());
      // Serves until the client closes stdin.
      await new Promise<void>((resolve) => process.stdin.once('close', resolve));
      await server.close();
    });
}
