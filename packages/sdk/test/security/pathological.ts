// Inputs that broke or stalled the parsers before the content limits
// (issue 11, finding 11), each with what made it hostile. Shared by the
// fuzz test, the lab validate memory guard (cli) and bench/parse-limits.
import { randomBytes } from 'node:crypto';

const FM = '---\nkind: tutorial\ntitle: A Pathological Tutorial\ndescription: Hostile input.\ncategories: [linux]\ncreatedAt: 2026-01-01\n---\n\n';

/** Deterministic bytes (a seeded xorshift), so a failure can be replayed. */
function seededBytes(n: number, seed = 0x9e3779b9): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

export interface Pathological {
  name: string;
  /** What it used to do. */
  why: string;
  text: () => string;
}

export const pathological: Pathological[] = [
  {
    name: 'yaml-alias-bomb',
    why: 'billion laughs: 9^8 strings from 9 aliases per level (exit 70)',
    text: () => {
      let y = '---\nkind: tutorial\ntitle: Alias Bomb Tutorial\na0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
      for (let i = 1; i <= 8; i++) y += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]\n`;
      return `${y}---\n\nBody.\n`;
    },
  },
  { name: 'random-1mb', why: '1 MB of random bytes (exit 70)', text: () => seededBytes(1024 * 1024).toString('utf8') },
  { name: 'random-1mb-crypto', why: 'random bytes, another draw', text: () => randomBytes(256 * 1024).toString('latin1') },
  { name: 'nested-quote-20000', why: '20,000 nested > (exit 70)', text: () => `${FM}${'>'.repeat(20000)} deep\n` },
  { name: 'nested-quote-lines', why: '2,000 lines each one > deeper', text: () => FM + Array.from({ length: 2000 }, (_, i) => '>'.repeat(i + 1) + ' x').join('\n') },
  { name: 'nested-list-20000', why: '20,000 nested list items on one line (stack overflow)', text: () => `${FM}${'- '.repeat(20000)}x\n` },
  { name: 'nested-list-indent', why: '1,500 list levels by indentation', text: () => FM + Array.from({ length: 1500 }, (_, i) => `${' '.repeat(i * 2)}- item`).join('\n') },
  { name: 'nested-components-1000', why: '1,000 nested :: blocks (10 s)', text: () => FM + Array.from({ length: 1000 }, () => '::note').join('\n') + '\n' },
  { name: 'nested-components-colons', why: '500 nested blocks with growing colons', text: () => FM + Array.from({ length: 500 }, (_, i) => `${':'.repeat(502 - i)}note`).join('\n') + '\n' },
  { name: 'brackets-5mb', why: '5 MB of [ (over 20 s, 2 GB)', text: () => FM + '['.repeat(5 * 1024 * 1024) },
  { name: 'brackets-2mb', why: 'just under the size limit: only the time limit stops it', text: () => FM + '['.repeat(2 * 1024 * 1024 - FM.length - 16) },
  { name: 'unclosed-front-matter-5mb', why: 'an unclosed 5 MB front matter (18 s, 2.2 GB)', text: () => '---\n' + 'key: value\n'.repeat((5 * 1024 * 1024) / 11) },
  { name: 'unclosed-front-matter-1900kb', why: 'unclosed front matter under the size limit', text: () => '---\n' + 'k: [v, {a: b}]\n'.repeat((1900 * 1024) / 15) },
  { name: 'yaml-deep-flow', why: '100,000 nested [ in YAML', text: () => `---\nkind: tutorial\nx: ${'['.repeat(100000)}\n---\n\nBody.\n` },
  { name: 'inline-components-100k', why: '100 KB of :a[ (9 s)', text: () => FM + ':a['.repeat(33000) },
  { name: 'table-cells-100k', why: 'a GFM table row of 50,000 cells (14 s, 750 MB)', text: () => `${FM}${'|a'.repeat(50000)}\n${'|-'.repeat(50000)}\n` },
  { name: 'backticks-100k', why: '100 KB of unmatched backticks (5 s)', text: () => FM + '`a'.repeat(50000) },
  { name: 'links-100k', why: '100 KB of unclosed links (7 s)', text: () => FM + '[a]('.repeat(25000) },
  { name: 'emphasis-200k', why: '200 KB of *_ (over 20 s)', text: () => FM + '*_'.repeat(100000) },
  { name: 'braces-100k', why: '100 KB of { (TypeError in remark-mdc, exit 70)', text: () => FM + '{'.repeat(100000) },
];
