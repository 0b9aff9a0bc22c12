import path from 'node:path';
import { readIfExists } from '@labkit/sdk';
import { Option, type Command } from 'commander';

interface BuildFlags {
  out: string;
  format: 'pretty' | 'json';
  base?: string;
  siteUrl?: string;
  title?: string;
  preview?: boolean;
  force?: boolean;
  verbose?: boolean;
  color: boolean;
  code: boolean;
  watch?: boolean;
}

/**
 * `lab build [dir] --out dist`: validates, then builds the learner site
 * with `build()` from @labkit/site. Refuses to build on content errors
 * (printed by the same formatter as `lab validate`); the previous output
 * stays untouched on any failure.
 */
export function register(program: Command): void {
  program
    .command('build')
    .description('Validate the content and build the static learner site (Astro + Pagefind)')
    .argument('[dir]', 'content folder', '.')
    .option('-o, --out <dir>', 'output folder (replaced atomically)', 'dist')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('--base <path>', 'base path the site is served under (overrides lab.config.ts site.base)')
    .option('--site-url <url>', 'public origin for canonical links (overrides site.url)')
    .option('--title <title>', 'site title (overrides site.title)')
    .option('--preview', 'flag unknown components on the pages')
    .option('--force', 'ignore the render cache and the previous output')
    .option('--verbose', "show Astro's log")
    .option('--no-color', 'plain output without colours')
    .option('--no-code', 'never import *.lab.ts files (their content is left out of the site)')
    .option('--watch', 'stay running and rebuild the changed pages on every save (keeps the content graph in memory)')
    .action(async (dir: string, flags: BuildFlags) => {
      const [{ build, watchBuild }, { formatDiagnostics, summarize }, { default: pc }] = await Promise.all([import('@labkit/site'), import('@labkit/sdk'), import('picocolors')]);
      const json = flags.format === 'json';
      const tty = Boolean(process.stderr.isTTY) && !process.env.CI && !json;
      const color = flags.color && !json && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
      const c = color ? pc : { ...pc, green: String, red: String, dim: String, bold: String, yellow: String };
      const site = { ...(flags.base ? { base: flags.base } : {}), ...(flags.siteUrl ? { url: flags.siteUrl } : {}), ...(flags.title ? { title: flags.title } : {}) };
      const options = {
        dir,
        outDir: flags.out,
        site,
        ...(flags.preview ? { preview: true } : {}),
        ...(flags.force ? { force: true } : {}),
        ...(flags.verbose ? { verbose: true } : {}),
        ...(flags.code === false ? { code: false } : {}),
        ...(tty ? { onProgress: (e: { message: string }) => process.stderr.write(`\r\x1b[2K${pc.dim('›')} ${e.message}…`) } : {}),
      };
      const root = path.resolve(dir);
      const report = (result: Awaited<ReturnType<typeof build>>) => {
        if (tty) process.stderr.write('\r\x1b[2K');
        const shown = result.ok ? result.diagnostics.filter((d) => d.severity !== 'info') : result.diagnostics;
        const summary = summarize(result.diagnostics);
        if (json) {
          process.stdout.write(
            `${JSON.stringify({
              ok: result.ok,
              outDir: result.outDir,
              mode: result.mode,
              pages: result.pages,
              pagesWritten: result.pagesWritten,
              rendered: result.rendered,
              reused: result.reused,
              assets: result.assets,
              durationMs: result.durationMs,
              timings: result.timings,
              summary,
              diagnostics: result.diagnostics,
            })}\n`,
          );
        } else {
          if (shown.length) process.stdout.write(formatDiagnostics(shown, { format: 'pretty', color, readSource: (f) => readIfExists(path.join(root, f)) }));
          if (!result.ok) {
            process.stdout.write(`${c.red('✗')} ${summary.errors} error(s): nothing was built; ${flags.out} is unchanged.\n`);
          } else {
            const secs = (result.durationMs / 1000).toFixed(1);
            const rel = path.relative(process.cwd(), result.outDir);
            const where = rel && !rel.startsWith('..') ? rel : result.outDir;
            process.stdout.write(
              `${c.green('✓')} ${result.pages} pages → ${where || '.'} in ${secs}s ${c.dim(`(${result.mode}: ${result.pagesWritten} written, ${result.rendered} rendered, ${result.reused} from cache)`)}\n`,
            );
          }
        }
        process.exitCode = result.ok ? 0 : 1;
      };
      if (!flags.watch) {
        report(await build(options));
        return;
      }
      // --watch: one build, then one per batch of saves, until Ctrl-C.
      const watcher = watchBuild({
        ...options,
        onBuild: ({ result, error, changed }) => {
          if (changed.length && !json) process.stdout.write(c.dim(`${changed.length === 1 ? changed[0] : `${changed.length} files`} changed\n`));
          if (result) report(result);
          else process.stderr.write(`${c.red('✗')} ${error?.message ?? 'build failed'}\n`);
        },
      });
      await watcher.ready;
      if (!json) process.stdout.write(c.dim(`Watching ${dir} for changes (Ctrl-C to stop)\n`));
      await new Promise<void>((resolve) => process.once('SIGINT', resolve));
      await watcher.close();
    });
}

