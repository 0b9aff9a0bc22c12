import { afterEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from '@labkit/sdk';
import { DevServer } from '../../src/dev/dev-server.ts';
import { PageStore } from '../../src/dev/page-store.ts';
import type { PreviewBackend } from '../../src/dev/preview-backend.ts';

// A page whose render throws keeps its last good HTML, and the overlay says
// why as a catalogue diagnostic (`lab:render-failed`, was the off-catalogue
// `lab:render` in a shape of its own). The backend is a stand-in: content
// cannot make the real renderer throw, which is the point of the rule.
let server: DevServer | undefined;
afterEach(async () => {
  await server?.close();
});

describe('lab dev when rendering a page throws', () => {
  it('tells the overlay with a lab:render-failed Diagnostic for the page file, and the content errors with their frames', async () => {
    let broken = false;
    const contentError: Diagnostic = { file: 'tutorials/t/index.md', span: { start: { line: 3, column: 1 }, end: { line: 3, column: 6 } }, ruleId: 'lab:schema', severity: 'error', message: 'Bad title.' };
    const backend: PreviewBackend = {
      load: async () => ({ itemCount: 1, diagnostics: [], parsedFiles: 1 }),
      update: async () => {},
      diagnose: async () => ({ itemCount: 1, diagnostics: [], parsedFiles: 0 }),
      render: async () => {
        if (broken) throw new Error('the renderer fell over');
        return { html: '<html><body>good</body></html>', sourceFile: '/content/tutorials/t/index.md' };
      },
      formatDiagnostics: () => '',
      frameOf: (d) => `> ${d.span.start.line} | title: x`,
    };
    const pages = new PageStore(backend);
    expect((await pages.render('/tutorials/t')).renderError).toBeUndefined();
    broken = true;
    server = new DevServer({ contentDir: '/content', version: () => 1, errors: () => [contentError], frame: (d) => backend.frameOf!(d), render: (p) => pages.render(p) });
    await new Promise<void>((resolve) => server!.server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as { port: number }).port;
    const res = await fetch(`http://127.0.0.1:${port}/__lab/events?path=/tutorials/t&v=1`);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const hello = JSON.parse(/data: (.*)/.exec(text)![1]!) as { errors: (Diagnostic & { frame?: string })[] };
    expect(hello.errors.map((d) => [d.file, d.ruleId, d.severity, d.span.start.line])).toEqual([
      ['tutorials/t/index.md', 'lab:schema', 'error', 3],
      ['tutorials/t/index.md', 'lab:render-failed', 'error', 1],
    ]);
    expect(hello.errors[1]!.message).toBe('the renderer fell over');
    expect(hello.errors[0]!.frame).toBe('> 3 | title: x');
  });
});
