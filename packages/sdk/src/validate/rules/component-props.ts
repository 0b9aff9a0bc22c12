import { parseDocument as parseYaml } from 'yaml';
import type { ComponentSpec } from '../../components/registry.ts';
import { LineIndex } from '../../parse/line-index.ts';
import type { MdcSectionNode } from '../../parse/mdc-props.ts';
import type { ComponentVisit, DocumentContext, DocumentRule } from '../rule.ts';
import { didYouMean } from '../suggest.ts';

/** Lines like `:name: verify_file` (plain key, plain value) cannot fail to parse as YAML. */
const SIMPLE_PROP_LINE = /^(?:\s*|:?[\w-]+:(?: (?!.*:\s)[^\s\[\]{}"'&*!|>%@`#,][^#\]\[{}]*)?)$/;

/**
 * A component's props against its catalogue entry: `lab:yaml-syntax` in a
 * props block (remark-mdc keeps what parses and drops the errors), and
 * `lab:component-prop` for a prop written twice, unknown, of the wrong type
 * or enumeration value, or missing; an error when the component certainly
 * breaks, a warning when it renders anyway (the value is kept as written).
 */
export const componentProps: DocumentRule = {
  ids: ['lab:yaml-syntax', 'lab:component-prop'],
  document: (ctx) => {
    let lines: LineIndex | undefined;
    return {
      component(c) {
        if (!c.spec) return;
        checkYaml(ctx, c, () => (lines ??= new LineIndex(ctx.doc.parsed.source)));
        for (const key of c.props.conflicts) {
          const inline = ctx.inlinePropSpan(c.node, key);
          ctx.r.report('lab:component-prop', ctx.file, ctx.propSpan(c.node, key, 'value'), `Prop "${key}" of "${c.name}" is written twice, inline and in the YAML block: the YAML value is used${inline ? ` (the inline one is at ${inline.start.line}:${inline.start.column})` : ''}.`, {
            severity: 'warning',
            hint: 'Keep one of the two.',
          });
        }
        checkProps(ctx, c, c.spec);
        checkShape(ctx, c);
      },
    };
  },
};

function checkYaml(ctx: DocumentContext, { node, name }: ComponentVisit, lines: () => LineIndex): void {
  if (!node.rawData) return;
  const yaml = node.rawData.replace(/\s-+\s*$/, '');
  if (!yaml.trim() || yaml.split('\n').every((l) => SIMPLE_PROP_LINE.test(l))) return;
  const err = parseYaml(yaml).errors[0];
  if (!err) return;
  const message = `YAML syntax error in the props of "${name}": ${err.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`;
  // The place from the YAML parser's offset into the block, and the block's
  // offset in the file (as PropLocator finds prop places).
  const source = ctx.doc.parsed.source;
  const from = node.position?.start.offset;
  const base = from === undefined ? -1 : source.indexOf(node.rawData, from);
  if (base !== -1) {
    const start = lines().point(base + err.pos[0]);
    ctx.r.report('lab:yaml-syntax', ctx.file, { start, end: { line: start.line, column: start.column + 1 } }, message);
    return;
  }
  // A block the parse re-indented (inside a list item): count from the node's line.
  const line = (node.position?.start.line ?? 1) + (err.linePos?.[0].line ?? 1);
  const column = err.linePos?.[0].col ?? 1;
  ctx.r.report('lab:yaml-syntax', ctx.file, { start: { line, column }, end: { line, column: column + 1 } }, message);
}

function checkProps(ctx: DocumentContext, { node, props: read }: ComponentVisit, spec: ComponentSpec): void {
  const props = read.values;
  const known = Object.keys(spec.props);
  for (const [key, value] of Object.entries(props)) {
    const p = spec.props[key];
    if (!p) {
      // Plain HTML attributes (class, id, style) are passed through by MDC.
      if (key === 'class' || key === 'id' || key === 'style') continue;
      ctx.r.report('lab:component-prop', ctx.file, ctx.propSpan(node, key), `Component "${spec.name}" has no prop "${key}" that Labkit knows: kept as written.${didYouMean(key, known)}`, {
        severity: 'warning',
        expected: known.join(', '),
        unknown: `prop ${spec.name}.${key}`,
      });
      continue;
    }
    const problem = typeProblem(p.type, value, p.values);
    if (problem) {
      const actual = typeof value === 'string' ? value : JSON.stringify(value);
      // An unknown enum value or a loose boolean (`new="yes"`) still renders;
      // a list or a number that is not one does not.
      const open = problem.kind === 'value' || p.type === 'boolean';
      ctx.r.report('lab:component-prop', ctx.file, ctx.propSpan(node, key, 'value'), `Prop "${key}" of "${spec.name}" ${problem.message}.${open ? ' It is kept as written.' : ''}${problem.kind === 'value' && p.values ? didYouMean(String(value), p.values) : ''}`, {
        expected: p.values ? p.values.join(' | ') : p.type,
        actual,
        ...(open ? { severity: 'warning' as const } : {}),
        ...(problem.kind === 'value' ? { unknown: `value ${spec.name}.${key}: ${actual}` } : {}),
      });
    }
  }
  for (const [key, p] of Object.entries(spec.props)) {
    if (p.required && (props[key] === undefined || props[key] === '')) {
      const essential = ESSENTIAL_PROPS.has(`${spec.name}.${key}`) || (spec.task === true && key === 'name');
      ctx.r.report('lab:component-prop', ctx.file, ctx.nameSpan(node), `Component "${spec.name}" needs the prop "${key}": ${p.description}`, {
        expected: `${key}: <${p.type}>`,
        ...(essential ? {} : { severity: 'warning' as const }),
      });
    }
  }
}

/**
 * What the renderer needs beyond each prop's type, so that nothing it meets
 * goes unreported here: a card with something to point at, a slide show
 * with slides, a `#section` for each declared tab.
 */
function checkShape(ctx: DocumentContext, { node, name, props }: ComponentVisit): void {
  const values = props.values;
  if (name === 'card' && !['challenge', 'content', 'tutorial', 'playground', 'course', 'skill-path', 'roadmap'].some((k) => typeof values[k] === 'string' && values[k])) {
    ctx.r.report('lab:component-prop', ctx.file, ctx.nameSpan(node), 'card needs one of :challenge, :content or :playground: it shows as an empty card.', { severity: 'warning', expected: 'challenge: challenges.<name>' });
  }
  if (name === 'slide-show' && Array.isArray(values['slides']) && !values['slides'].some((s) => s && typeof s === 'object')) {
    ctx.r.report('lab:component-prop', ctx.file, ctx.propSpan(node, 'slides', 'value'), 'slide-show has no slides.', { expected: 'slides: [{ image, alt }, ...]' });
  }
  if (name === 'tabbed' && Array.isArray(values['tabs'])) {
    const sections = new Set((node.children as unknown as MdcSectionNode[]).filter((c) => c.type === 'componentContainerSection').map((c) => c.name));
    for (const t of values['tabs'] as { name?: unknown }[]) {
      if (!t || typeof t !== 'object' || sections.has(String(t.name ?? ''))) continue;
      ctx.r.report('lab:component-prop', ctx.file, ctx.propSpan(node, 'tabs'), `tabbed declares tab "${String(t.name ?? '')}" but has no #${String(t.name ?? '')} section: the tab is empty.`, { severity: 'warning' });
    }
  }
}

/**
 * Required props without which a component certainly breaks (no image, no
 * port, nothing to show): an error when missing. Other required props (a
 * box's `summary`, a link's `text`) have a fallback: a warning.
 */
const ESSENTIAL_PROPS = new Set(['image-box.src', 'slide-show.slides', 'tabbed.tabs', 'grid.items', 'http-port.port']);

function typeProblem(type: string, value: unknown, values: readonly string[] | undefined): { kind: 'type' | 'value'; message: string } | undefined {
  const bad = (message: string) => ({ kind: 'type' as const, message });
  switch (type) {
    case 'string':
    case 'reference':
      if (typeof value !== 'string' && typeof value !== 'number') return bad(`must be a ${type === 'reference' ? '`<map>.<name>` reference' : 'string'}`);
      if (values && !values.includes(String(value))) return { kind: 'value', message: `is "${String(value)}", which Labkit does not know (it knows ${values.join(', ')})` };
      return undefined;
    case 'number':
      return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) ? undefined : bad('must be a number');
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' || value === '' ? undefined : bad('should be true or false');
    case 'array':
      if (Array.isArray(value)) return undefined;
      if (typeof value === 'string') {
        try {
          if (Array.isArray(JSON.parse(value))) return undefined;
        } catch {
          /* fall through */
        }
      }
      return bad('must be a list');
    case 'object':
      return value && typeof value === 'object' && !Array.isArray(value) ? undefined : bad('must be an object');
  }
  return undefined;
}
