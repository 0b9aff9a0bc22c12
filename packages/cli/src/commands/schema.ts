import type { ContentKind } from '@labkit/sdk';
import { Option, type Command } from 'commander';

/** `lab schema [--out file] [--kind k]`: the front matter JSON Schema. */
export function register(program: Command): void {
  program
    .command('schema')
    .description('Print the JSON Schema of content front matter (for editors with the YAML language server)')
    .option('-o, --out <file>', 'write the schema to this file instead of printing it')
    .addOption(
      new Option('--kind <kind>', 'only the schema of one kind').choices([
        'tutorial',
        'challenge',
        'skill-path',
        'unit',
        'course',
        'module',
        'lesson',
      ]),
    )
    .action(async (opts: { out?: string; kind?: ContentKind }) => {
      const { schema } = await import('../run/schema.ts');
      const result = await schema(opts);
      if (result.written) process.stderr.write(`Wrote the JSON Schema to ${result.written}\n`);
      else process.stdout.write(result.text);
    });
}
