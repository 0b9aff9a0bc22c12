import type { Machine } from '../provider.ts';
import type { PlaygroundSession } from './session.ts';
import type { WebTab } from './web-tabs.ts';

// busybox httpd runs /cgi-bin/index.cgi for a directory without index.html:
// this one lists it (names HTML-escaped; a name with `#` or `?` links badly).
export const INDEX_CGI = `#!/bin/sh
path=$(printf '%s' "\${REQUEST_URI%%\\?*}" | sed 's/+/ /g; s/%\\([0-9A-Fa-f][0-9A-Fa-f]\\)/\\\\x\\1/g')
dir=$(printf '%b' "$path")
root=\${SCRIPT_FILENAME%/cgi-bin/index.cgi}
esc() { printf '%s' "$1" | sed 's/&/\\&amp;/g; s/</\\&lt;/g; s/>/\\&gt;/g; s/"/\\&quot;/g'; }
printf 'Content-Type: text/html; charset=utf-8\\r\\n\\r\\n'
printf '<!doctype html><meta charset="utf-8"><title>%s</title>' "$(esc "$dir")"
printf '<style>body{font:14px/1.5 ui-monospace,monospace;margin:1rem}a{text-decoration:none}li{list-style:none}</style>'
printf '<h1>%s</h1><ul>' "$(esc "$dir")"
[ "$dir" != "/" ] && printf '<li><a href="../">../</a></li>'
for f in "$root$dir".* "$root$dir"*; do
  n=\${f##*/}
  case "$n" in .|..|'.*'|'*') continue;; esac
  [ -e "$f" ] || continue
  if [ -d "$f" ]; then n="$n/"; fi
  printf '<li><a href="%s">%s</a></li>' "$(esc "$n")" "$(esc "$n")"
done
printf '</ul>'
`;

// Text files open in the tab instead of downloading.
const HTTPD_CONF = ['sh', 'md', 'txt', 'yaml', 'yml', 'json', 'py', 'go', 'c', 'h', 'conf', 'env', 'log', 'ini', 'toml', 'js', 'ts', 'cfg', 'profile']
  .map((ext) => `.${ext}:text/plain; charset=utf-8`)
  .join('\n');

const started = new WeakMap<Machine, Promise<void>>();

/**
 * The IDE tab's file server: busybox `httpd` on 127.0.0.1:IDE_FILES_PORT in
 * the machine, serving `/` read-only as the machine's login user (so the
 * tab shows what that user may read), started once per machine.
 */
export function ensureFileServer(session: PlaygroundSession, machine: Machine, tab: WebTab): Promise<void> {
  let running = started.get(machine);
  if (!running) {
    const user = session.item.machines.find((m) => m.name === machine.name)?.user ?? 'root';
    running = (async () => {
      await machine.copyIn({ path: '/cgi-bin/index.cgi', content: INDEX_CGI, mode: 0o755 });
      await machine.copyIn({ path: '/run/labkit/files-httpd.conf', content: HTTPD_CONF + '\n', mode: 0o644 });
      const r = await machine.exec({ user, script: `busybox httpd -p 127.0.0.1:${tab.port} -h / -c /run/labkit/files-httpd.conf`, timeoutMs: 10_000 });
      if (r.exitCode !== 0) throw new Error((r.stderr || r.stdout).trim() || `httpd exited with ${r.exitCode}`);
    })();
    running.catch(() => started.delete(machine));
    started.set(machine, running);
  }
  return running;
}
