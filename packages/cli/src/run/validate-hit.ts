import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILES } from '../config/lab-config-files.ts';
import { findProjectRoot } from '../project-root.ts';
import { closingLines, printedAs, validateHit } from './validate.ts';

/**
 * `lab validate --cache` on an unchanged folder without the CLI: bin/lab.js
 * calls this before it loads main.ts, so a hit loads neither commander nor
 * the command modules nor the project hook, only the stored result's
 * readers. It serves exactly what `lab validate` (commands/validate.ts)
 * prints for a hit whose output was kept, with the same exit code, and
 * returns `undefined`, having printed nothing, for everything else: a miss,
 * a hit whose output was not kept, a folder with a `lab.config.*` (its
 * check runs on every command), any argument this reader does not take
 * exactly as commander would (then commander reads them and says what is
 * wrong), or any error (the full command reports it).
 */
export async function serveValidateHit(argv: readonly string[]): Promise<number | undefined> {
  const flags = readFlags(argv);
  if (!flags?.cache) return undefined;
  try {
    // As project-root.ts's applyProjectRoot: a folder left out is the project's root.
    const dir = flags.dir ?? findProjectRoot(process.cwd()) ?? '.';
    if (CONFIG_FILES.some((f) => existsSync(join(dir, f)))) return undefined;
    const result = await validateHit({
      dir,
      cache: true,
      code: flags.code,
      isolate: true,
      output: printedAs(flags.format, flags.color, flags.quiet).output,
      ...(flags.maxWarnings !== undefined ? { maxWarnings: flags.maxWarnings } : {}),
    });
    if (!result?.cachedOutput) return undefined;
    let text: string | Buffer = result.cachedOutput;
    if (flags.format === 'pretty') {
      const { default: pc } = await import('picocolors');
      text = Buffer.concat([result.cachedOutput, Buffer.from(closingLines(result, flags.maxWarnings, pc))]);
    }
    process.stdout.write(text);
    return result.ok ? 0 : 1;
  } catch {
    return undefined;
  }
}

interface HitFlags {
  dir: string | undefined;
  format: 'pretty' | 'json';
  quiet: boolean;
  color: boolean;
  cache: boolean;
  code: boolean;
  maxWarnings: number | undefined;
}

/** `validate`'s arguments as commands/validate.ts declares them, or `undefined` for anything else. */
export function readFlags(argv: readonly string[]): HitFlags | undefined {
  if (argv[0] !== 'validate') return undefined;
  const flags: HitFlags = { dir: undefined, format: 'pretty', quiet: false, color: true, cache: false, code: true, maxWarnings: undefined };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq === -1 ? a : a.slice(0, eq);
    const value = (): string | undefined => (eq === -1 ? argv[++i] : a.slice(eq + 1));
    if (name === '--cache' && eq === -1) flags.cache = true;
    else if (name === '--quiet' && eq === -1) flags.quiet = true;
    else if (name === '--no-color' && eq === -1) flags.color = false;
    else if (name === '--no-code' && eq === -1) flags.code = false;
    else if (name === '--format') {
      const v = value();
      if (v !== 'pretty' && v !== 'json') return undefined;
      flags.format = v;
    } else if (name === '--max-warnings') {
      const v = value();
      if (v === undefined || !/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) return undefined;
      flags.maxWarnings = Number(v);
    } else if (!a.startsWith('-') && flags.dir === undefined) flags.dir = a;
    else return undefined;
  }
  return flags;
}
