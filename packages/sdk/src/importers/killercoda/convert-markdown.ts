import path from 'node:path';
import { stringify } from 'yaml';
import { at, type DiagnosticSink } from './diagnostics.ts';
import { sourceFile } from './source-path.ts';
import type { StaticFiles } from './static-files.ts';

/** What the Markdown converter needs to know about its surroundings. */
export interface MarkdownContext {
  /** Source file, relative to the import source (for diagnostics). */
  file: string;
  /** Absolute path of the source file (relative links resolve from here). */
  absPath: string;
  /** The scenario folder: linked files must resolve inside it (default: the file's folder). */
  scenarioDir?: string;
  /**
   * Images may also come from here (repositories keep shared images in a
   * top-level `assets/`), when their real path has an image extension.
   */
  imageRoot?: string;
  /** Playground machines, in host order: `TRAFFIC_HOST1` is the first. */
  machines: readonly string[];
  /** Sections start at `##`: shift the step's own headings below that. */
  minHeadingLevel: number;
  staticFiles: StaticFiles;
  /** Receives the code of every `{{exec}}` action, in order (a challenge's solution script is made of them). */
  onExec?: (code: string) => void;
  sink: DiagnosticSink;
}

/** Files that may come from outside the scenario folder (shared repository images), judged by the real path. */
const IMAGE_EXT = /\.(?:png|jpe?g|gif|svg|webp|avif|ico)$/i;
const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const DETAILS_OPEN = /^\s*<details(?:\s[^>]*)?>\s*(?:<summary>(.*?)<\/summary>)?\s*$/i;
const SUMMARY_LINE = /^\s*<summary>(.*?)<\/summary>\s*$/i;
const DETAILS_CLOSE = /^\s*<\/details>\s*$/i;
const BR_LINE = /^\s*(?:<br\s*\/?>\s*)+$/i;
const IMG_LINE = /^\s*(<img\b[^>]*>)\s*$/i;
const MD_IMG_LINE = /^\s*!\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)\s*$/;
const HEADING = /^(#{1,6})(\s)/;

/** Inline tokens, tried left to right; text between them is escaped. */
const INLINE = new RegExp(
  [
    '(?<code>(?<ticks>`+)(?<codeBody>.+?)\\k<ticks>)(?<action>\\{\\{(?<actionName>[^}]*)\\}\\})?',
    '(?<image>!\\[(?<imgAlt>[^\\]]*)\\]\\((?<imgSrc>[^)\\s]*)(?:\\s+"[^"]*")?\\))',
    '(?<link>\\[(?<linkText>[^\\]]*)\\]\\((?<linkUrl>[^)\\s]*)(?:\\s+"[^"]*")?\\))',
    '(?<htmlCode><code>(?<htmlCodeBody>[^<`]*)<\\/code>)',
    '(?<autolink><https?:\\/\\/[^>\\s]+>)',
    '(?<tag><\\/?[A-Za-z][^>]*>)',
    '(?<variable>\\{\\{\\s*(?<varName>[A-Za-z0-9_]+)\\s*\\}\\})',
    '(?<url>https?:\\/\\/[^\\s<>()]+)',
  ].join('|'),
  'g',
);

const TRAFFIC_HOST = /^\{\{\s*TRAFFIC_HOST(\d+)_(\d+)\s*\}\}$/;
const TRAFFIC_SELECTOR = /^\{\{\s*TRAFFIC_SELECTOR\s*\}\}$/;

/**
 * Escapes prose so remark-mdc reads it as text. Traps (probed on remark-mdc 3):
 * a `:word` after a space or bracket becomes an inline component (` :latest`
 * turns into `<latest>`), `[text]` becomes a span, and `{...}` after an
 * element becomes its attributes. Backslash escapes of ASCII punctuation are
 * plain CommonMark, so they cost nothing when no trap was there.
 */
export function escapeMdcText(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      // The author's own escape: keep it as is, never double it.
      out += c + text[i + 1]!;
      i++;
    } else if (c === '[' || c === '{') {
      out += `\\${c}`;
    } else if (c === ':' && /[A-Za-z]/.test(text[i + 1] ?? '') && !/[A-Za-z0-9]/.test(text[i - 1] ?? '')) {
      out += '\\:';
    } else {
      out += c;
    }
  }
  return out;
}

/** Attribute value for an inline MDC component, quoted with a quote it does not contain. */
function mdcAttr(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  return `'${value.replace(/'/g, '’')}'`;
}

function isRemote(url: string): boolean {
  return /^(?:[a-z][a-z0-9+.-]*:|\/\/|#)/i.test(url);
}

function htmlAttr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

/**
 * Converts one Killercoda Markdown file to Labkit (iximiuz-format) Markdown.
 * Line based rather than mdast based, on purpose: Killercoda's
 * ```` ```{{exec}} ```` closing fences are not valid CommonMark (a closing
 * fence takes no info string), so a CommonMark parser would run the code
 * block to the end of the file.
 */
export function convertMarkdown(source: string, ctx: MarkdownContext): string {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  // Prose lines go through `emit`, which keeps at most one blank line in a
  // row; code lines are pushed as they are (their blank lines are content).
  const emit = (...add: string[]): void => {
    for (const l of add) {
      if (l.trim() === '' && (out.length === 0 || out[out.length - 1]!.trim() === '')) continue;
      out.push(l);
    }
  };
  let fence: { char: string; len: number; indent: string; body: string[]; open: number } | null = null;
  const details: Array<'box' | 'flat'> = [];
  let pendingDetails: { line: number } | null = null;
  let shift = 0;
  {
    // Shift headings so the step's top level sits below the section heading.
    let min = 7;
    let inFence: string | null = null;
    for (const l of lines) {
      const f = FENCE_OPEN.exec(l);
      if (f) {
        if (inFence === null) inFence = f[2]![0]!;
        else if (f[2]![0] === inFence && !f[3]!.replace(/\{\{[^}]*\}\}/, '').trim()) inFence = null;
        continue;
      }
      const h = inFence === null ? HEADING.exec(l) : null;
      if (h) min = Math.min(min, h[1]!.length);
    }
    if (min < ctx.minHeadingLevel) shift = ctx.minHeadingLevel - min;
  }

  const openBox = (summary: string, line: number): void => {
    const plain = summary.replace(/<[^>]+>/g, '').trim() || 'Details';
    if (details.length > 0) {
      ctx.sink.add(ctx.file, at(line, 1), 'killercoda:nested-details', 'warning', `Nested <details> "${plain}" cannot be a nested details-box; it became a bold paragraph.`);
      details.push('flat');
      emit('', `**${escapeMdcText(plain)}**`, '');
      return;
    }
    details.push('box');
    const component = /^(tip|hint)\b/i.test(plain) ? 'hint-box' : 'details-box';
    emit('', `::${component}`, '---', stringify({ ':summary': plain }, { lineWidth: 0 }).trimEnd(), '---', '');
  };

  let brReported = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (fence) {
      const close = new RegExp(`^ {0,3}${fence.char === '`' ? '`' : '~'}{${fence.len},}\\s*(\\{\\{([^}]*)\\}\\})?\\s*$`).exec(line);
      if (close) {
        if (close[1] !== undefined) codeAction(close[2]!.trim(), lineNo, line.indexOf('{{') + 1, true, fence.body.join('\n'));
        emit(`${fence.indent}${fence.char.repeat(fence.len)}`);
        fence = null;
      } else {
        out.push(line); // code: verbatim
        fence.body.push(line);
      }
      continue;
    }
    if (pendingDetails) {
      if (!line.trim()) continue;
      const s = SUMMARY_LINE.exec(line);
      openBox(s ? s[1]! : 'Details', pendingDetails.line);
      pendingDetails = null;
      if (s) continue;
    }
    const open = FENCE_OPEN.exec(line);
    if (open && !(open[2]![0] === '`' && open[3]!.includes('`'))) {
      emit(`${open[1]}${open[2]}${normalizeInfo(open[3]!.trim())}`);
      fence = { char: open[2]![0]!, len: open[2]!.length, indent: open[1]!, body: [], open: out.length - 1 };
      continue;
    }
    const d = DETAILS_OPEN.exec(line);
    if (d) {
      if (d[1] !== undefined) openBox(d[1], lineNo);
      else pendingDetails = { line: lineNo };
      continue;
    }
    if (DETAILS_CLOSE.test(line)) {
      const kind = details.pop();
      if (kind === 'box') emit('::', '');
      continue;
    }
    if (BR_LINE.test(line)) {
      if (!brReported) {
        ctx.sink.add(ctx.file, at(lineNo, line.indexOf('<') + 1), 'killercoda:cosmetic-html', 'info', '<br> spacing lines were dropped (Markdown paragraphs already separate blocks).');
        brReported = true;
      }
      emit('');
      continue;
    }
    const img = IMG_LINE.exec(line);
    if (img) {
      const tag = img[1]!;
      const style = htmlAttr(tag, 'style') ?? '';
      const width = htmlAttr(tag, 'width') ?? /(?:^|;)\s*width\s*:\s*([^;]+)/i.exec(style)?.[1]?.trim();
      const dropped = style.split(';').map((p) => p.split(':')[0]!.trim()).filter((p) => p && p !== 'width');
      if (htmlAttr(tag, 'height')) dropped.push('height');
      emit(...imageBox({ src: htmlAttr(tag, 'src') ?? '', alt: htmlAttr(tag, 'alt') ?? '', ...(width ? { width } : {}), dropped }, lineNo, line.indexOf('<') + 1, tag.length));
      continue;
    }
    const mdImg = MD_IMG_LINE.exec(line);
    if (mdImg) {
      // An image alone on its line becomes an image-box (zoomable, and its
      // __static__ file is what the site build publishes).
      emit(...imageBox({ src: mdImg[2]!, alt: mdImg[1]! }, lineNo, line.indexOf('!') + 1, line.trim().length));
      continue;
    }
    const h = HEADING.exec(line);
    if (h && shift > 0) {
      const level = Math.min(6, h[1]!.length + shift);
      emit('#'.repeat(level) + convertInline(line.slice(h[1]!.length), lineNo, h[1]!.length));
      continue;
    }
    emit(convertInline(line, lineNo, 0));
  }
  if (pendingDetails) openBox('Details', pendingDetails.line);
  while (details.length > 0) if (details.pop() === 'box') emit('::');
  if (fence) emit(`${fence.indent}${fence.char.repeat(fence.len)}`);
  while (out.length > 0 && out[out.length - 1]!.trim() === '') out.pop();
  return out.join('\n');

  function codeAction(name: string, line: number, column: number, block: boolean, code: string): void {
    if (name === '' || name === 'copy') {
      if (name === 'copy' && !block) {
        ctx.sink.add(ctx.file, at(line, column, 8), 'killercoda:copy-inline', 'info', 'Inline {{copy}}: Labkit inline code has no copy button; kept as inline code.');
      }
      return;
    }
    if (name === 'exec' || name === 'exec interrupt') {
      ctx.onExec?.(code);
      const extra = name === 'exec interrupt' ? ' (its Ctrl+C before running is dropped)' : '';
      if (block && fence) {
        // Labkit's click-to-run block: the `exec` flag in the fence meta (a fence without a language runs as sh).
        const opening = out[fence.open]!;
        out[fence.open] = /^\s*(`{3,}|~{3,})$/.test(opening) ? `${opening}sh exec` : `${opening} exec`;
        if (extra) ctx.sink.add(ctx.file, at(line, column, name.length + 4), 'killercoda:exec-action', 'info', `{{${name}}} became a click-to-run block${extra}.`);
        return;
      }
      ctx.sink.add(ctx.file, at(line, column, name.length + 4), 'killercoda:exec-action', 'warning', `Inline {{${name}}} click-to-run has no Labkit equivalent (only code blocks run on click); kept as inline code.`);
      return;
    }
    ctx.sink.add(ctx.file, at(line, column, name.length + 4), 'killercoda:exec-action', 'warning', `Unknown code action {{${name}}}; kept as plain code.`);
  }

  function normalizeInfo(info: string): string {
    // Killercoda writes ```yaml{2,5,6}; Labkit reads the lang up to the first
    // space, so the highlight braces need one. `plain` is Killercoda's name for text.
    const m = /^([^\s{[]*)\s*(.*)$/.exec(info)!;
    let lang = m[1]!;
    if (lang === 'plain' || lang === 'plaintext') lang = 'text';
    const meta = m[2]!.trim();
    return meta ? `${lang} ${meta}` : lang;
  }

  function staticRef(src: string, line: number, column: number): string | undefined {
    if (isRemote(src) || src.startsWith('__static__/')) return src;
    let name: string;
    try {
      name = decodeURI(src.split(/[?#]/)[0]!);
    } catch {
      name = src;
    }
    let found = sourceFile(ctx.scenarioDir ?? path.dirname(ctx.absPath), path.dirname(ctx.absPath), name);
    if (!found.ok && found.reason === 'outside' && ctx.imageRoot) {
      const shared = sourceFile(ctx.imageRoot, path.dirname(ctx.absPath), name);
      if (!shared.ok || IMAGE_EXT.test(shared.abs)) found = shared;
    }
    if (!found.ok) {
      if (found.reason === 'outside') ctx.sink.add(ctx.file, at(line, column, src.length), 'killercoda:outside-source', 'warning', `Linked file ${src} is outside the scenario folder; it is not copied, the link is kept as written.`);
      else ctx.sink.add(ctx.file, at(line, column, src.length), 'killercoda:missing-file', 'warning', `Linked file ${src} does not exist; the link is kept as written.`);
      return undefined;
    }
    return ctx.staticFiles.add(found.abs);
  }

  function imageBox(img: { src: string; alt: string; width?: string; dropped?: string[] }, line: number, column: number, length: number): string[] {
    const ref = staticRef(img.src, line, column) ?? img.src;
    // image-box requires alt text; Killercoda's <img> rarely has one, the file name is the honest fallback.
    const props: Record<string, string> = { ':src': ref, ':alt': img.alt || path.basename(img.src).replace(/\.[^.]*$/, '') };
    if (img.width) props[':max-width'] = /^\d+$/.test(img.width) ? `${img.width}px` : img.width;
    if (img.dropped && img.dropped.length > 0) {
      ctx.sink.add(ctx.file, at(line, column, length), 'killercoda:cosmetic-html', 'info', `Image styles ${img.dropped.join(', ')} have no image-box equivalent and were dropped (the width became :max-width).`);
    }
    // Blank lines around: a component line right after a paragraph line would be read as its continuation.
    return ['', '::image-box', '---', stringify(props, { lineWidth: 0 }).trimEnd(), '---', '::', ''];
  }

  function convertInline(text: string, line: number, offset: number): string {
    let result = '';
    let last = 0;
    // A fresh regex per call: link text is converted recursively.
    const inline = new RegExp(INLINE);
    for (let m = inline.exec(text); m; m = inline.exec(text)) {
      const g = m.groups!;
      const column = offset + m.index + 1;
      result += escapeMdcText(text.slice(last, m.index));
      last = m.index + m[0].length;
      if (g.code !== undefined) {
        result += g.code;
        if (g.action !== undefined) codeAction(g.actionName!.trim(), line, column + g.code.length, false, g.codeBody!.trim());
      } else if (g.image !== undefined) {
        const ref = staticRef(g.imgSrc!, line, column) ?? g.imgSrc!;
        result += `![${escapeMdcText(g.imgAlt!)}](${ref})`;
      } else if (g.link !== undefined) {
        result += link(g.linkText!, g.linkUrl!, line, column);
      } else if (g.htmlCode !== undefined) {
        result += `\`${g.htmlCodeBody}\``;
      } else if (g.autolink !== undefined || g.url !== undefined) {
        result += m[0];
      } else if (g.tag !== undefined) {
        result += inlineTag(g.tag, line, column);
      } else if (g.variable !== undefined) {
        const port = TRAFFIC_HOST.exec(m[0]);
        if (port) result += httpPort(`port ${port[2]}`, Number(port[1]), Number(port[2]), line, column);
        else {
          ctx.sink.add(ctx.file, at(line, column, m[0].length), 'killercoda:template-variable', 'warning', `Killercoda variable ${m[0]} has no Labkit equivalent; kept as text.`);
          result += escapeMdcText(m[0]);
        }
      }
    }
    return result + escapeMdcText(text.slice(last));
  }

  function httpPort(text: string, host: number, port: number, line: number, column: number): string {
    const machine = ctx.machines[host - 1];
    if (machine === undefined) {
      ctx.sink.add(ctx.file, at(line, column), 'killercoda:template-variable', 'warning', `TRAFFIC_HOST${host} names host ${host}, but the playground has ${ctx.machines.length} machine(s); the link points at the first machine.`);
    }
    const m = machine ?? ctx.machines[0];
    return `:http-port{text=${mdcAttr(text)} port=${port}${m ? ` machine=${mdcAttr(m)}` : ''}}`;
  }

  function link(text: string, url: string, line: number, column: number): string {
    const port = TRAFFIC_HOST.exec(url);
    if (port) return httpPort(text, Number(port[1]), Number(port[2]), line, column);
    if (TRAFFIC_SELECTOR.test(url)) {
      ctx.sink.add(ctx.file, at(line, column, text.length + url.length + 4), 'killercoda:traffic-selector', 'warning', `[${text}]({{TRAFFIC_SELECTOR}}) opens Killercoda's port picker, which Labkit does not have; only the text is kept.`);
      return escapeMdcText(text);
    }
    if (/\{\{/.test(url)) {
      ctx.sink.add(ctx.file, at(line, column), 'killercoda:template-variable', 'warning', `Link target ${url} uses a Killercoda variable with no Labkit equivalent; only the text is kept.`);
      return escapeMdcText(text);
    }
    const label = convertInline(text, line, column);
    if (!isRemote(url) && url && !/\.md(?:#.*)?$/.test(url)) {
      const ref = staticRef(url, line, column);
      if (ref) return `[${label}](${ref})`;
    }
    return `[${label}](${url})`;
  }

  function inlineTag(tag: string, line: number, column: number): string {
    const name = /^<\/?\s*([A-Za-z0-9]+)/.exec(tag)![1]!.toLowerCase();
    if (name === 'strong' || name === 'b') return '**';
    // `*`, not `_`: an underscore does not emphasise inside a word (`<em>x</em>y`).
    if (name === 'em' || name === 'i') return '*';
    if (name === 'br') {
      ctx.sink.add(ctx.file, at(line, column, tag.length), 'killercoda:cosmetic-html', 'info', 'An inline <br> became a space.');
      return ' ';
    }
    if (name === 'img') {
      const src = htmlAttr(tag, 'src') ?? '';
      const ref = staticRef(src, line, column) ?? src;
      ctx.sink.add(ctx.file, at(line, column, tag.length), 'killercoda:cosmetic-html', 'info', 'An inline <img> became a Markdown image; its size attributes were dropped.');
      return `![${escapeMdcText(htmlAttr(tag, 'alt') ?? '')}](${ref})`;
    }
    ctx.sink.add(ctx.file, at(line, column, tag.length), 'killercoda:raw-html', 'warning', `Raw HTML ${tag} has no Labkit component equivalent; kept as written.`);
    return tag;
  }
}
