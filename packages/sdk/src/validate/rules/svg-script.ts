import type { Diagnostic } from '../../diagnostics/diagnostic.ts';
import { diagnostic } from '../../diagnostics/reporter.ts';
import { LineIndex } from '../../parse/line-index.ts';

/**
 * The `Content-Security-Policy` every SVG asset is served with (`lab dev`,
 * and what docs/site.md asks a published site's server to send): no script,
 * no loads, inline styles only, and `sandbox` so that opening the SVG on its
 * own gives it a unique origin. Validation refuses scripted SVGs too; this is
 * the second wall.
 */
export const SVG_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** Response headers for a served file: the SVG policy for `*.svg`, nothing else. */
export function svgResponseHeaders(path: string): Record<string, string> {
  return /\.svg$/i.test(path) ? { 'content-security-policy': SVG_CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' } : {};
}

/** At most this many findings per file: one is enough to refuse it. */
const MAX_FINDINGS = 10;

/**
 * Finds what can run script in an SVG: `<script>`, `<foreignObject>` (HTML
 * inside SVG), `on*` event attributes, `javascript:` URLs in any attribute
 * (href, xlink:href, an `<animate>`'s values), and the XML features that can
 * smuggle those in (`<!ENTITY>` declarations, `<?xml-stylesheet?>`). An SVG
 * in `__static__/` is published on the site's own origin, where a script
 * would run with the learner's session, so `lab validate` refuses them
 * (`lab:svg-script`) and names the element or attribute at its place.
 * A scan, not a full XML parse: it errs towards reporting.
 */
export function svgScriptDiagnostics(file: string, text: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  let lines: LineIndex | undefined;
  const report = (start: number, end: number, what: string): void => {
    if (out.length >= MAX_FINDINGS) return;
    lines ??= new LineIndex(text);
    out.push(diagnostic('lab:svg-script', file, lines.span(start, end), `This SVG can run script (${what}): published in __static__/ it would run on the site's origin. Remove it, or export the drawing again without scripts.`));
  };
  // Comments and CDATA hide nothing from us but hold no markup either.
  const masked = text.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g, (m) => ' '.repeat(m.length));
  for (const m of masked.matchAll(/<!ENTITY\b|<\?xml-stylesheet\b/gi)) {
    report(m.index, m.index + m[0].length, m[0].startsWith('<!') ? 'an <!ENTITY> declaration' : 'an <?xml-stylesheet?> instruction');
  }
  const tag = /<([A-Za-z_][\w:.-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
  for (const t of masked.matchAll(tag)) {
    const name = t[1]!;
    const local = name.slice(name.lastIndexOf(':') + 1).toLowerCase();
    if (local === 'script' || local === 'foreignobject') report(t.index, t.index + name.length + 1, `<${name}>`);
    const attrs = t[2]!;
    const base = t.index + 1 + name.length;
    for (const a of attrs.matchAll(/([^\s=/"'>]+)\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
      const attr = a[1]!;
      const at = base + a.index;
      const attrLocal = attr.slice(attr.lastIndexOf(':') + 1).toLowerCase();
      if (attrLocal.startsWith('on')) {
        report(at, at + attr.length, `the ${attr} event attribute on <${name}>`);
        continue;
      }
      const value = decodeEntities(a[3] ?? a[4] ?? a[5] ?? '');
      if (/javascript:/i.test(value.replace(/[\s\u0000-\u001f]+/g, ''))) report(at, at + a[0].length, `a javascript: URL in ${attr} on <${name}>`);
    }
  }
  return out;
}

/** Numeric and the few named character references that can spell `javascript:`. */
function decodeEntities(v: string): string {
  return v
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(Math.min(Number.parseInt(h, 16), 0x10ffff)))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)))
    .replace(/&colon;/gi, ':')
    .replace(/&(?:tab|newline);/gi, '');
}
