/** Values that `x(...)` expressions read. */
export interface ExpandContext {
  needs: Record<string, { stdout: string; stderr: string }>;
  input?: string;
}

const EXPRESSION = /x\(\s*\.(needs\.([A-Za-z0-9_-]+)\.(stdout|stderr)|input)\s*\)/g;
/** The same expression, anchored where the script scanner stands. */
const EXPRESSION_AT = /x\(\s*\.(?:needs\.([A-Za-z0-9_-]+)\.(stdout|stderr)|input)\s*\)/y;

/** True when the text uses `x(.input)` (the task waits for the learner's input). */
export function usesInput(text: string): boolean {
  return /x\(\s*\.input\s*\)/.test(text);
}

/**
 * Replaces `x(.needs.T.stdout)`, `x(.needs.T.stderr)` and `x(.input)` in a
 * value (an `env:` entry: it reaches the guest as data, never as script).
 * Output values lose their trailing newlines, like shell `$(...)`, so a
 * producer's `echo` does not leak a `\n` into the consumer. A reference to a
 * task not in `needs` is left as written (the validator reports it).
 */
export function expand(text: string, context: ExpandContext): string {
  return text.replace(EXPRESSION, (whole, _expr: string, task: string | undefined, stream: 'stdout' | 'stderr' | undefined) => {
    const value = valueOf(context, task, stream);
    return value ?? whole;
  });
}

/** `env:` entries (`NAME=value`) to a map, with expressions expanded. */
export function expandEnv(entries: readonly string[] | undefined, context: ExpandContext): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    env[entry.slice(0, eq)] = expand(entry.slice(eq + 1), context);
  }
  return env;
}

/** A script whose `x(...)` expressions became variable references, and the variables' values. */
export interface ExpandedScript {
  script: string;
  env: Record<string, string>;
}

/**
 * Expands `x(...)` in a script **as data**. The learner's answer and a
 * previous task's output are guest-controlled, so they are never spliced
 * into script text: each expression becomes a reference to an environment
 * variable (`LABKIT_INPUT`, `LABKIT_NEEDS_<TASK>_STDOUT`) that holds the
 * value, written so that it means what textual substitution meant where it
 * stands: `${V}` unquoted or inside double quotes (word splitting as
 * before), `'"${V}"'` inside single quotes, `'"${V}"$'` inside `$'...'`.
 * A comment is left as written. Inside a quoted heredoc (`<<'EOF'`) the
 * shell expands nothing, so `${V}` stays literal there (documented).
 *
 * The scanner follows quotes, `$(...)`, backticks, comments and heredocs;
 * where it misjudges an exotic construct, the reference is merely quoted
 * wrongly (the check sees `${LABKIT_INPUT}` as text), never executed.
 */
export function expandScript(text: string, context: ExpandContext): ExpandedScript {
  if (!text.includes('x(')) return { script: text, env: {} };
  return new ScriptScanner(text, context).run();
}

type FrameKind = 'code' | 'dq' | 'sq' | 'ansi' | 'bt' | 'sub';
interface Frame {
  kind: FrameKind;
  /** Open parentheses inside `$(...)` (so `$(( 1 << 2 ))` is arithmetic). */
  depth: number;
}

/** One pass over a script: copies it to `out`, turning `x(...)` into variable references. */
class ScriptScanner {
  readonly #text: string;
  readonly #context: ExpandContext;
  readonly #env: Record<string, string> = {};
  readonly #names = new Map<string, string>();
  readonly #stack: Frame[] = [{ kind: 'code', depth: 0 }];
  readonly #heredocs: Array<{ delimiter: string; quoted: boolean; strip: boolean }> = [];
  #out = '';
  #i = 0;

  constructor(text: string, context: ExpandContext) {
    this.#text = text;
    this.#context = context;
  }

  run(): ExpandedScript {
    const text = this.#text;
    while (this.#i < text.length) {
      const frame = this.#stack[this.#stack.length - 1]!;
      if (text[this.#i] === 'x' && this.#expression(frame.kind)) continue;
      if (frame.kind === 'sq' || frame.kind === 'ansi') this.#singleQuoted(frame.kind);
      else if (frame.kind === 'dq') this.#doubleQuoted();
      else this.#code(frame);
    }
    return { script: this.#out, env: this.#env };
  }

  /** Copies `count` characters as they are. */
  #copy(count = 1): void {
    this.#out += this.#text.slice(this.#i, this.#i + count);
    this.#i += count;
  }

  #push(kind: FrameKind, opener: string): void {
    this.#stack.push({ kind, depth: 0 });
    this.#copy(opener.length);
  }

  /** `'...'` (nothing but the closing quote matters) and `$'...'` (backslash escapes). */
  #singleQuoted(kind: 'sq' | 'ansi'): void {
    const c = this.#text[this.#i]!;
    if (kind === 'ansi' && c === '\\') return this.#copy(2);
    if (c === "'") this.#stack.pop();
    this.#copy();
  }

  #doubleQuoted(): void {
    const c = this.#text[this.#i]!;
    if (c === '\\') return this.#copy(2);
    if (c === '"') this.#stack.pop();
    else if (c === '$' && this.#text[this.#i + 1] === '(') return this.#push('sub', '$(');
    else if (c === '`') this.#stack.push({ kind: 'bt', depth: 0 });
    this.#copy();
  }

  /** Outside quotes: at the top level, inside `$(...)` or inside backticks. */
  #code(frame: Frame): void {
    const text = this.#text;
    const i = this.#i;
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '\\') return this.#copy(2);
    if (c === "'") this.#stack.push({ kind: 'sq', depth: 0 });
    else if (c === '"') this.#stack.push({ kind: 'dq', depth: 0 });
    else if (c === '$' && next === "'") return this.#push('ansi', "$'");
    else if (c === '$' && next === '(') return this.#push('sub', '$(');
    else if (c === '`') {
      if (frame.kind === 'bt') this.#stack.pop();
      else this.#stack.push({ kind: 'bt', depth: 0 });
    } else if (c === '(' && frame.kind === 'sub') frame.depth++;
    else if (c === ')' && frame.kind === 'sub') {
      if (frame.depth > 0) frame.depth--;
      else this.#stack.pop();
    } else if (c === '#' && (i === 0 || /[\s;&|()]/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      return this.#copy((end < 0 ? text.length : end) - i); // a comment: left as written
    } else if (c === '<' && next === '<' && text[i + 2] !== '<' && frame.depth === 0) {
      // (depth > 0 is `$(( 1 << 2 ))`: a shift, not a heredoc)
      const op = /^<<(-?)[ \t]*((?:[^\s;&|()<>'"\\]|'[^']*'|"[^"]*"|\\.)+)/.exec(text.slice(i, i + 256));
      if (op) {
        const word = op[2]!;
        this.#heredocs.push({ delimiter: word.replace(/['"\\]/g, ''), quoted: /['"\\]/.test(word), strip: op[1] === '-' });
        return this.#copy(op[0].length);
      }
    } else if (c === '\n' && this.#heredocs.length) {
      this.#copy();
      return this.#heredocBodies();
    }
    this.#copy();
  }

  /** `x(...)` at the cursor: emits the reference for the current context and returns true. */
  #expression(kind: FrameKind | 'heredoc'): boolean {
    EXPRESSION_AT.lastIndex = this.#i;
    const m = EXPRESSION_AT.exec(this.#text);
    if (!m) return false;
    const [whole, task, stream] = m as unknown as [string, string | undefined, 'stdout' | 'stderr' | undefined];
    const value = valueOf(this.#context, task, stream);
    this.#i += whole.length;
    if (value === undefined) {
      this.#out += whole; // a task not in `needs`: the validator reports it
      return true;
    }
    const name = task
      ? this.#variable(`needs.${task}.${stream}`, `LABKIT_NEEDS_${task.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_${stream!.toUpperCase()}`, value)
      : this.#variable('input', 'LABKIT_INPUT', value);
    if (kind === 'sq') this.#out += `'"\${${name}}"'`;
    else if (kind === 'ansi') this.#out += `'"\${${name}}"$'`;
    else this.#out += `\${${name}}`;
    return true;
  }

  /** The variable that holds one value (one per distinct expression). */
  #variable(key: string, base: string, value: string): string {
    let name = this.#names.get(key);
    if (!name) {
      name = base;
      for (let n = 2; name in this.#env; n++) name = `${base}_${n}`;
      this.#names.set(key, name);
      this.#env[name] = value;
    }
    return name;
  }

  /** Copies the bodies of the heredocs opened on the line just ended; the cursor ends after the last delimiter. */
  #heredocBodies(): void {
    const text = this.#text;
    const n = text.length;
    for (const doc of this.#heredocs.splice(0)) {
      while (this.#i < n) {
        const end = text.indexOf('\n', this.#i);
        const stop = end < 0 ? n : end + 1;
        const line = text.slice(this.#i, end < 0 ? n : end);
        if ((doc.strip ? line.replace(/^\t+/, '') : line) === doc.delimiter) {
          this.#copy(stop - this.#i);
          break;
        }
        // Body lines: a reference expands in an unquoted heredoc (like inside double quotes).
        while (this.#i < stop) {
          if (text[this.#i] === 'x' && this.#expression(doc.quoted ? 'heredoc' : 'dq')) continue;
          this.#copy();
        }
      }
    }
  }
}

function valueOf(context: ExpandContext, task: string | undefined, stream: 'stdout' | 'stderr' | undefined): string | undefined {
  if (!task) return context.input ?? '';
  const produced = context.needs[task];
  return produced ? produced[stream!].replace(/\n+$/, '') : undefined;
}
