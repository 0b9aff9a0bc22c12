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
  const env: Record<string, string> = {};
  const names = new Map<string, string>();
  const variable = (key: string, base: string, value: string): string => {
    let name = names.get(key);
    if (!name) {
      name = base;
      for (let n = 2; name in env; n++) name = `${base}_${n}`;
      names.set(key, name);
      env[name] = value;
    }
    return name;
  };

  type Frame = { kind: 'code' | 'dq' | 'sq' | 'ansi' | 'bt' | 'sub'; depth: number };
  const stack: Frame[] = [{ kind: 'code', depth: 0 }];
  const heredocs: Array<{ delimiter: string; quoted: boolean; strip: boolean }> = [];
  let out = '';
  let i = 0;
  const n = text.length;

  /** `x(...)` at `i`: emits the reference for the current context and returns true. */
  const expression = (kind: Frame['kind'] | 'heredoc'): boolean => {
    EXPRESSION_AT.lastIndex = i;
    const m = EXPRESSION_AT.exec(text);
    if (!m) return false;
    const [whole, task, stream] = m as unknown as [string, string | undefined, 'stdout' | 'stderr' | undefined];
    const value = valueOf(context, task, stream);
    i += whole.length;
    if (value === undefined) {
      out += whole; // a task not in `needs`: the validator reports it
      return true;
    }
    const name = task
      ? variable(`needs.${task}.${stream}`, `LABKIT_NEEDS_${task.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}_${stream!.toUpperCase()}`, value)
      : variable('input', 'LABKIT_INPUT', value);
    if (kind === 'sq') out += `'"\${${name}}"'`;
    else if (kind === 'ansi') out += `'"\${${name}}"$'`;
    else out += `\${${name}}`;
    return true;
  };

  while (i < n) {
    const frame = stack[stack.length - 1]!;
    const c = text[i]!;
    if (c === 'x' && expression(frame.kind)) continue;
    const next = text[i + 1];
    switch (frame.kind) {
      case 'sq':
        if (c === "'") stack.pop();
        out += c;
        i++;
        continue;
      case 'ansi':
        if (c === '\\') {
          out += text.slice(i, i + 2);
          i += 2;
          continue;
        }
        if (c === "'") stack.pop();
        out += c;
        i++;
        continue;
      case 'dq':
        if (c === '\\') {
          out += text.slice(i, i + 2);
          i += 2;
          continue;
        }
        if (c === '"') stack.pop();
        else if (c === '$' && next === '(') {
          stack.push({ kind: 'sub', depth: 0 });
          out += '$(';
          i += 2;
          continue;
        } else if (c === '`') stack.push({ kind: 'bt', depth: 0 });
        out += c;
        i++;
        continue;
      default: {
        // code, sub (inside `$(...)`), bt (inside backticks)
        if (c === '\\') {
          out += text.slice(i, i + 2);
          i += 2;
          continue;
        }
        if (c === "'") stack.push({ kind: 'sq', depth: 0 });
        else if (c === '"') stack.push({ kind: 'dq', depth: 0 });
        else if (c === '$' && next === "'") {
          stack.push({ kind: 'ansi', depth: 0 });
          out += "$'";
          i += 2;
          continue;
        } else if (c === '$' && next === '(') {
          stack.push({ kind: 'sub', depth: 0 });
          out += '$(';
          i += 2;
          continue;
        } else if (c === '`') {
          if (frame.kind === 'bt') stack.pop();
          else stack.push({ kind: 'bt', depth: 0 });
        } else if (c === '(' && frame.kind === 'sub') frame.depth++;
        else if (c === ')' && frame.kind === 'sub') {
          if (frame.depth > 0) frame.depth--;
          else stack.pop();
        } else if (c === '#' && (i === 0 || /[\s;&|()]/.test(text[i - 1]!))) {
          const end = text.indexOf('\n', i);
          const stop = end < 0 ? n : end;
          out += text.slice(i, stop); // a comment: left as written
          i = stop;
          continue;
        } else if (c === '<' && next === '<' && text[i + 2] !== '<' && frame.depth === 0) {
          // (depth > 0 is `$(( 1 << 2 ))`: a shift, not a heredoc)
          const op = /^<<(-?)[ \t]*((?:[^\s;&|()<>'"\\]|'[^']*'|"[^"]*"|\\.)+)/.exec(text.slice(i, i + 256));
          if (op) {
            const word = op[2]!;
            heredocs.push({ delimiter: word.replace(/['"\\]/g, ''), quoted: /['"\\]/.test(word), strip: op[1] === '-' });
            out += op[0];
            i += op[0].length;
            continue;
          }
        } else if (c === '\n' && heredocs.length) {
          out += c;
          i++;
          i = heredocBodies(i);
          continue;
        }
        out += c;
        i++;
        continue;
      }
    }
  }
  return { script: out, env };

  /** Copies the bodies of the heredocs opened on the line just ended; returns where the script goes on. */
  function heredocBodies(at: number): number {
    for (const doc of heredocs.splice(0)) {
      while (at < n) {
        const end = text.indexOf('\n', at);
        const stop = end < 0 ? n : end + 1;
        const line = text.slice(at, end < 0 ? n : end);
        if ((doc.strip ? line.replace(/^\t+/, '') : line) === doc.delimiter) {
          out += text.slice(at, stop);
          at = stop;
          break;
        }
        // Body lines: a reference expands in an unquoted heredoc (like inside double quotes).
        i = at;
        while (i < stop) {
          if (text[i] === 'x' && expression(doc.quoted ? 'heredoc' : 'dq')) continue;
          out += text[i]!;
          i++;
        }
        at = stop;
      }
    }
    return at;
  }
}

function valueOf(context: ExpandContext, task: string | undefined, stream: 'stdout' | 'stderr' | undefined): string | undefined {
  if (!task) return context.input ?? '';
  const produced = context.needs[task];
  return produced ? produced[stream!].replace(/\n+$/, '') : undefined;
}
