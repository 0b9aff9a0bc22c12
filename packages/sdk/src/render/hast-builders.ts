import type { Element, ElementContent, Properties } from 'hast';

/** `h('div', { className: ['x'] }, ...children)`: a dependency-free hastscript. */
export function h(tagName: string, properties: Properties = {}, children: Array<ElementContent | string | undefined | false> = []): Element {
  return {
    type: 'element',
    tagName,
    properties,
    children: children.filter((c): c is ElementContent | string => c !== undefined && c !== false).map((c) => (typeof c === 'string' ? { type: 'text', value: c } : c)),
  };
}
