/**
 * The MDC component catalogue: every component the iximiuz format knows,
 * with its props and slots. `lab validate` checks component usage against
 * it and the site renderer maps each name to its renderer.
 *
 * Props are written in MDC either in a YAML block (`---\n:name: x\n---`) or
 * inline (`{name='x'}`); a leading `:` means "bind as data" and is not part
 * of the prop name, so `:src` and `src` are the same prop.
 */

/** The value type a prop accepts. `reference` is `<map>.<name>` into a front matter reference map. */
export type PropType = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'reference';

/** One prop of a component. */
export interface ComponentProp {
  /** Value type. */
  type: PropType;
  /** Whether the component is unusable without it. */
  required?: boolean;
  /** Allowed values, for enumerations. */
  values?: readonly string[];
  /** What the prop does. */
  description: string;
}

/** One component of the catalogue. */
export interface ComponentSpec {
  /** Component name as written after `::` (block) or `:` (inline). */
  name: string;
  /** Block (`::name ... ::`) or inline (`:name{...}`). */
  form: 'block' | 'inline';
  /** What the component shows. */
  description: string;
  /** Props by name (without the leading `:`). */
  props: Record<string, ComponentProp>;
  /**
   * Named slots (`#active`). `'*'` means slot names are free (e.g. `tabbed`,
   * whose slots are its tab names). Absent: only the default slot.
   */
  slots?: readonly string[];
  /** The component binds to a task by its `name` prop. */
  task?: boolean;
  /** Props holding references into the front matter maps (`tutorials.x`). */
  referenceProps?: readonly string[];
}

const taskProps: Record<string, ComponentProp> = {
  tasks: {
    type: 'string',
    description: 'The front matter map holding the task; always `tasks`.',
    values: ['tasks'],
  },
  name: { type: 'string', required: true, description: 'Name of the task in the front matter `tasks` map.' },
  title: { type: 'string', description: 'What the learner sees as the task title (default: the heading the task sits under; the internal `name` is never shown).' },
};

const boxProps: Record<string, ComponentProp> = {
  summary: { type: 'string', required: true, description: 'The always-visible line; click to expand.' },
};

/** Every known component, by name. */
export const componentRegistry: Readonly<Record<string, ComponentSpec>> = {
  'simple-task': {
    name: 'simple-task',
    form: 'block',
    description: 'Shows the progress of a regular task and its dynamic hints.',
    props: taskProps,
    slots: ['active', 'completed'],
    task: true,
  },
  'user-input-task': {
    name: 'user-input-task',
    form: 'block',
    description: 'Asks the learner for a value and hands it to a regular task as `x(.input)`.',
    props: {
      ...taskProps,
      validateRegex: { type: 'string', description: 'Regular expression the input must match (checked in the browser).' },
      destination: {
        type: 'string',
        description: 'Deprecated: file in the playground to store the input in. Prefer `x(.input)`.',
      },
    },
    slots: ['active', 'completed'],
    task: true,
  },
  quiz: {
    name: 'quiz',
    form: 'block',
    description: 'A single or multiple choice question checked in the browser: the question, then the options as a task list (`- [x]` marks a right answer, `- [ ]` a wrong one), then an optional `#explanation` shown after answering. Counted in the learner\'s progress.',
    props: {
      name: { type: 'string', description: 'Stable id of the quiz on its page (progress key); default `quiz-<n>` by order.' },
      multiple: { type: 'boolean', description: 'Checkboxes even with one right answer (default: checkboxes only when several are right).' },
    },
    slots: ['explanation'],
  },
  'hint-box': {
    name: 'hint-box',
    form: 'block',
    description: 'A collapsed hint.',
    props: boxProps,
  },
  'details-box': {
    name: 'details-box',
    form: 'block',
    description: 'A collapsible section for details; cannot nest another details-box.',
    props: boxProps,
  },
  'remark-box': {
    name: 'remark-box',
    form: 'block',
    description: 'A highlighted side note, warning or error.',
    props: {
      kind: { type: 'string', values: ['info', 'warning', 'error'], description: 'Style of the box (default info).' },
    },
  },
  'image-box': {
    name: 'image-box',
    form: 'block',
    description: 'A zoomable image with an optional caption (the default slot).',
    props: {
      src: { type: 'string', required: true, description: 'Image path, `__static__/<file>`.' },
      alt: { type: 'string', description: 'Short image description for screen readers (`lab:image-alt` warns when missing).' },
      'max-width': { type: 'string', description: 'CSS max-width, e.g. `600px`.' },
      margin: { type: 'string', description: 'CSS margin, e.g. `0px auto`.' },
      padding: { type: 'string', description: 'CSS padding, e.g. `10px`.' },
      float: { type: 'string', values: ['left', 'right'], description: 'Float the image to a side of the text.' },
    },
  },
  'slide-show': {
    name: 'slide-show',
    form: 'block',
    description: 'A carousel of images.',
    props: {
      slides: { type: 'array', required: true, description: 'List of `{ image, alt }`, images in `__static__/`.' },
    },
  },
  tabbed: {
    name: 'tabbed',
    form: 'block',
    description: 'Tabbed blocks; one slot per tab name. Blocks of the same group switch together.',
    props: {
      tabs: { type: 'array', required: true, description: 'List of `{ name, title }`; each name is a slot.' },
      group: { type: 'string', description: 'Synchronisation group.' },
    },
    slots: ['*'],
  },
  card: {
    name: 'card',
    form: 'block',
    description: 'A rich link to a challenge, tutorial, skill path, course (lesson), roadmap or playground.',
    props: {
      challenge: { type: 'reference', description: '`challenges.<name>`.' },
      content: { type: 'reference', description: '`tutorials.<name>`, `skill-paths.<name>`, `courses.<name>`, `roadmaps.<name>`.' },
      playground: { type: 'reference', description: '`playgrounds.<name>`.' },
      lesson: { type: 'string', description: 'With `content: courses.<name>`: the lesson path (`lesson` or `module/lesson`).' },
    },
    referenceProps: ['challenge', 'content', 'playground'],
  },
  grid: {
    name: 'grid',
    form: 'block',
    description: 'A responsive grid of cards.',
    props: {
      items: {
        type: 'array',
        required: true,
        description: 'List of card props: `{ challenge | content | playground: <map>.<name> }`.',
      },
    },
  },
  highlight: {
    name: 'highlight',
    form: 'inline',
    description: 'Highlighted inline text: `:highlight[text]`.',
    props: {
      color: { type: 'string', description: 'Highlight colour.' },
    },
  },
  tab: {
    name: 'tab',
    form: 'inline',
    description: 'A link that activates (or, with `new`, opens) a playground tab.',
    props: {
      text: { type: 'string', required: true, description: 'Link text.' },
      machine: { type: 'string', description: 'Machine whose terminal tab to activate.' },
      name: { type: 'string', description: 'Tab name to activate.' },
      id: { type: 'string', description: 'Tab id to activate.' },
      new: { type: 'boolean', description: 'Open a new terminal tab on `machine`.' },
    },
  },
  'http-port': {
    name: 'http-port',
    form: 'inline',
    description: 'A link that exposes a playground HTTP port and opens it.',
    props: {
      text: { type: 'string', required: true, description: 'Link text.' },
      port: { type: 'number', required: true, description: 'Port number.' },
      machine: { type: 'string', description: 'Machine listening on the port.' },
      public: { type: 'boolean', description: 'Expose publicly.' },
      https: { type: 'boolean', description: 'The service speaks TLS.' },
    },
  },
};

/** Names of the components that bind to a task. */
export const taskComponentNames: readonly string[] = Object.values(componentRegistry)
  .filter((c) => c.task)
  .map((c) => c.name);

/** Looks a component up by name. */
export function getComponent(name: string): ComponentSpec | undefined {
  return Object.hasOwn(componentRegistry, name) ? componentRegistry[name] : undefined;
}
