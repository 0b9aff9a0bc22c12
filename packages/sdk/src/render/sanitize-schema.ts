import { defaultSchema } from 'rehype-sanitize';
import type { Options as SanitizeSchema } from 'rehype-sanitize';

/**
 * GitHub's sanitize schema plus the elements and attributes our own
 * components emit. It runs on the whole content tree after components are
 * built, so author input is filtered even where it flows through a
 * component. Code blocks (Shiki's inline colour styles) and validated
 * image sizes are added after this pass: they never carry author HTML.
 */
const ours = [
  'className', 'role', 'ariaLabel', 'ariaHidden', 'ariaSelected', 'ariaControls', 'tabIndex', 'title',
  'dataTask', 'dataTaskKind', 'dataState', 'dataTabs', 'dataTab', 'dataGroup', 'dataSlides', 'dataSlide',
  'dataCopy', 'dataPattern', 'dataDestination', 'dataComponent', 'dataKind', 'dataLkCode', 'dataLkStyle', 'dataLkTaskTitle', 'dataTaskToggle', 'dataQuiz', 'dataMultiple', 'dataQuizCheck', 'dataAnswers',
];

// GitHub's schema pins `className` to specific values on some tags (h2,
// section, code...), which would drop our component classes: let the
// global `className` rule apply there instead.
const base: NonNullable<SanitizeSchema['attributes']> = {};
for (const [tag, list] of Object.entries(defaultSchema.attributes ?? {})) {
  base[tag] = list.filter((entry) => !(Array.isArray(entry) && entry[0] === 'className'));
}

export const contentSanitizeSchema: SanitizeSchema = {
  ...defaultSchema,
  // Ids come from our heading slugger after sanitizing; author ids are prefixed.
  tagNames: [
    ...(defaultSchema.tagNames ?? []),
    'section', 'aside', 'figure', 'figcaption', 'mark', 'button', 'form', 'input', 'label', 'nav', 'header', 'footer', 'small', 'fieldset', 'legend',
  ],
  attributes: {
    ...base,
    '*': [...(base['*'] ?? []), ...ours],
    a: [...(base['a'] ?? []), 'target', 'rel'],
    img: [...(base['img'] ?? []), 'loading', 'decoding', 'width', 'height'],
    // `disabled` and `checked` (global) keep GFM task-list checkboxes read-only.
    input: ['type', 'disabled', 'placeholder', 'autocomplete', 'spellcheck', 'ariaLabel', 'className', 'dataPattern', 'name', 'value'],
    button: ['type', 'ariaLabel', 'ariaSelected', 'ariaControls', 'className', 'role', 'dataTab', 'dataTaskToggle', 'dataCopy', 'dataQuizCheck', 'disabled', 'tabIndex'],
    details: ['open', 'className', 'dataAnswers'],
  },
  protocols: { ...defaultSchema.protocols, href: ['http', 'https', 'mailto'], src: ['http', 'https'] },
  // The default strips `<input>` unless it is a disabled checkbox (GFM task lists).
  required: {},
};
