import type { Severity } from './diagnostic.ts';

/** One validation rule: the docs generator lists these. */
export interface RuleSpec<Id extends string = string> {
  /** Stable id, `lab:<name>`. */
  id: Id;
  /** Severity unless configured otherwise. */
  severity: Severity;
  /** Short title. */
  title: string;
  /** What the rule checks and why. */
  description: string;
}

function rule<const Id extends string>(id: Id, severity: Severity, title: string, description: string): RuleSpec<Id> {
  return { id, severity, title, description };
}

/**
 * THE rule catalogue: every finding Labkit reports about content (from
 * `lab validate`, the loader, the renderer, `lab dev` and `lab build`)
 * carries one of these ids. {@link RuleId} is derived from it, so an id
 * outside the catalogue does not type-check.
 */
export const rules = {
  'lab:yaml-syntax': rule('lab:yaml-syntax', 'error', 'YAML syntax error', 'The front matter (or a component\'s YAML props) is not valid YAML.'),
  'lab:duplicate-key': rule('lab:duplicate-key', 'error', 'Duplicate key', 'A YAML mapping names the same key twice; only one value would survive.'),
  'lab:missing-front-matter': rule('lab:missing-front-matter', 'error', 'Missing front matter', 'A content document must start with a `---` YAML front matter block that sets `kind`.'),
  'lab:unknown-kind': rule('lab:unknown-kind', 'error', 'Unknown kind', 'The front matter `kind` is not one of tutorial, challenge, skill-path, unit, course, module, lesson, playground; or the kind does not fit where the file is.'),
  'lab:schema': rule('lab:schema', 'error', 'Invalid field value', 'A front matter field does not match the content model (wrong type, missing required field, value out of range).'),
  'lab:unknown-field': rule('lab:unknown-field', 'warning', 'Unknown field', 'A front matter field the content model does not know; usually a typo ("did you mean ..."), else a newer part of the format. It is kept as written in the model and the bundle.'),
  'lab:unknown-value': rule('lab:unknown-value', 'warning', 'Unknown value', 'A value outside what Labkit knows for a field the format may extend (categories, difficulty, tab kind). It is kept as written; "did you mean ..." when it looks like a typo.'),
  'lab:unknown-component': rule('lab:unknown-component', 'warning', 'Unknown component', 'An MDC component that is not in the component catalogue: Labkit shows its content as is (the platform may know it), "did you mean ..." when it looks like a typo.'),
  'lab:component-prop': rule('lab:component-prop', 'error', 'Bad component prop', 'A component prop that is missing or has a value that cannot work: an error when the component certainly breaks (no image `src`, a list that is not one, a task without `name`); a warning for an unknown prop, an unknown enumeration value or a loose boolean, which are kept as written, and for a missing prop that has a fallback.'),
  'lab:quiz-structure': rule('lab:quiz-structure', 'error', 'Malformed quiz', 'A `::quiz` without a question, without options written as a task list, with fewer than two options or none marked right (`- [x]`), or with a name another quiz on the page already has.'),
  'lab:unknown-slot': rule('lab:unknown-slot', 'warning', 'Unknown slot', 'A `#slot` the component does not have; its content would not show.'),
  'lab:unclosed-component': rule('lab:unclosed-component', 'error', 'Unclosed component', 'A `::component` block without its closing `::`; it swallows the rest of the document.'),
  'lab:unknown-task': rule('lab:unknown-task', 'error', 'Unknown task', 'A task component names a task the front matter `tasks` map does not define.'),
  'lab:task-not-shown': rule('lab:task-not-shown', 'warning', 'Task not shown', 'A regular task (not init, not helper) that no `simple-task` / `user-input-task` shows; learners cannot see it, yet completion waits for it.'),
  'lab:task-shown-twice': rule('lab:task-shown-twice', 'warning', 'Task shown twice', 'Two task components show the same task.'),
  'lab:non-regular-task-shown': rule('lab:non-regular-task-shown', 'warning', 'Init or helper task shown', 'A task component shows an init or helper task, which has no visual state.'),
  'lab:unknown-need': rule('lab:unknown-need', 'error', 'Unknown task in needs', '`needs` names a task that is not defined.'),
  'lab:task-cycle': rule('lab:task-cycle', 'error', 'Task dependency cycle', 'Tasks need each other in a cycle, so none of them can ever start.'),
  'lab:init-needs-regular': rule('lab:init-needs-regular', 'error', 'Init task needs a regular task', 'Init tasks run before every regular task, so an init task cannot wait for a regular (or helper) task.'),
  'lab:init-needs-cross-machine': rule('lab:init-needs-cross-machine', 'warning', 'Init task needs an init task on another machine', 'An init task that needs an init task on another machine. Labkit runs it (init tasks start together and each waits for what it needs, on any machine), but the format reference says the platform\'s server validation rejects init → init needs across machines, so publishing there may fail; a regular task may need an init task anywhere.'),
  'lab:expression-not-needed': rule('lab:expression-not-needed', 'error', 'Expression reads a task not in needs', '`x(.needs.T.stdout)` reads the output of task T, which must be listed in the task\'s `needs`.'),
  'lab:bad-expression': rule('lab:bad-expression', 'error', 'Bad template expression', 'An `x(...)` expression other than `x(.input)` and `x(.needs.<task>.stdout|stderr)`.'),
  'lab:unknown-playground': rule('lab:unknown-playground', 'error', 'Unknown playground', 'The playground content names is neither a `kind: playground` definition of this repository nor a built-in one (busybox, debian, docker, docker-multi); the message lists what exists.'),
  'lab:platform-playground': rule('lab:platform-playground', 'warning', 'Playground only on the platform', 'An iximiuz Labs playground (k3s, kubernetes, ubuntu-*, other distributions) that Labkit cannot run locally; the message names the closest local playground.'),
  'lab:unknown-user': rule('lab:unknown-user', 'error', 'Unknown user', 'A task runs as a user that does not exist on its machine (root, plus the users the playground definition lists for it).'),
  'lab:unknown-machine': rule('lab:unknown-machine', 'error', 'Unknown machine', 'A task or tab names a machine that the playground\'s `machines` list does not have.'),
  'lab:partial-machines': rule('lab:partial-machines', 'error', 'Some tasks name a machine', 'Either no task or every task must set `machine`: the task engine cannot place the others.'),
  'lab:missing-reference': rule('lab:missing-reference', 'info', 'Reference outside the repository', 'A card, unit or lesson points to content that is not in this repository. It may exist on the platform (the iximiuz samples do this), so it is reported as info, not an error.'),
  'lab:undeclared-reference': rule('lab:undeclared-reference', 'error', 'Card not declared in front matter', 'A `::card` / `::grid` item points to `<map>.<name>` that the front matter map does not list.'),
  'lab:missing-lesson': rule('lab:missing-lesson', 'error', 'Unknown course lesson', 'A reference names a lesson that the course, present in this repository, does not have.'),
  'lab:duplicate-name': rule('lab:duplicate-name', 'error', 'Duplicate name', 'Two items of the same kind (or two units of one parent) share a name; URLs would collide.'),
  'lab:missing-asset': rule('lab:missing-asset', 'error', 'Missing asset', 'An image, cover or component `src` points to a `__static__` file that does not exist.'),
  'lab:broken-link': rule('lab:broken-link', 'error', 'Broken link', 'A relative link points to a file that does not exist (error). A root-relative link (`/tutorials/x`) names a page that is not in this repository: a warning with a did-you-mean when a local page has a near-identical name, else info (it may be a page of the platform).'),
  'lab:broken-anchor': rule('lab:broken-anchor', 'warning', 'Broken anchor', 'A `#anchor` (on this page, another document or a root-relative page) matches no heading id on the target page; ids are made from `##`-`####` headings the way the renderer makes them.'),
  'lab:unsafe-url': rule('lab:unsafe-url', 'warning', 'Image URL that is not shown', 'An image source (Markdown image, `image-box` `src`, a slide\'s `image`) with a scheme other than http(s): `javascript:`, `data:`, `file:`... The sanitizer leaves the image out of the page.'),
  'lab:image-alt': rule('lab:image-alt', 'warning', 'Image without alt text', 'Images need a short description for screen readers.'),
  'lab:symlink-outside': rule('lab:symlink-outside', 'error', 'Symlink outside the content folder', 'A symlink that resolves outside the content folder (or to nothing readable). Labkit never follows it, so `lab build` and `lab publish` leave it out: a link to `~/.aws/credentials` must not end up in a public bundle.'),
  'lab:code-not-run': rule('lab:code-not-run', 'info', 'Content code not run', 'With `--no-code`, a `*.lab.ts` file is not imported (its code would run on this machine), so the content it defines is not checked or built. Markdown is validated as usual.'),
  'lab:content-limit': rule('lab:content-limit', 'error', 'File over the parse limits', 'A Markdown file over Labkit\'s parse limits (2 MiB, nesting 32 deep, 100 YAML aliases, 1 s of CPU time and 256 MB to parse) or one a parser fails on. The file is skipped with this error, so one hostile file cannot crash or stall a run.'),
  'lab:svg-script': rule('lab:svg-script', 'error', 'SVG that can run script', 'An SVG in `__static__/` with `<script>`, `<foreignObject>`, an `on*` event attribute, a `javascript:` URL, an `<!ENTITY>` declaration or an `<?xml-stylesheet?>`. Published assets live on the site\'s origin, where its script would run with the learner\'s session.'),
  'lab:render-failed': rule('lab:render-failed', 'error', 'Page failed to render', 'The renderer stopped with an error on this file (`lab dev` keeps showing the last good page). Content alone should never cause it: please report it with the file.'),
  'lab:unreadable': rule('lab:unreadable', 'error', 'Unreadable file or folder', 'A file or folder under the content root that Labkit cannot read (permissions, an I/O error). It is not taken for missing: it is reported, and left out of build and publish, so fix its permissions.'),
  'lab:ts-load': rule('lab:ts-load', 'error', 'Cannot load content file', 'A `*.lab.ts` file failed to import or does not default-export a `define*()` value.'),
} as const satisfies Record<string, RuleSpec>;

/** A content rule id, e.g. `lab:unknown-task`. */
export type LabRuleId = keyof typeof rules;

/**
 * The Killercoda importer's rules (`lab import killercoda`), in the same
 * catalogue so an import report and `lab validate` share one Diagnostic
 * type. The import rules: every Killercoda feature without a Labkit equivalent has
 * one, so nothing is dropped silently. `docs/import.md` lists them.
 */
export const killercodaRules = {
  'killercoda:invalid-json': 'index.json or structure.json is not valid JSON; the scenario is skipped.',
  'killercoda:missing-file': 'A file named by index.json or linked from Markdown does not exist.',
  'killercoda:outside-source': 'A file named by index.json, structure.json or linked from Markdown resolves (through `..`, an absolute path or a symlink) outside the scenario folder; it is not read.',
  'killercoda:unknown-field': 'An index.json / structure.json field with no Labkit equivalent; it is ignored.',
  'killercoda:exec-action': '`{{exec}}` runs a command in the learner terminal on click; Labkit has no click-to-run, the code stays a copyable code block.',
  'killercoda:copy-inline': 'Inline `{{copy}}`: Labkit inline code has no copy button (code blocks do).',
  'killercoda:foreground-script': 'A foreground script types into the learner terminal; it becomes an init task that runs unseen.',
  'killercoda:background-timing': 'A step or finish background script runs when its page opens; Labkit init tasks all run while the playground boots.',
  'killercoda:intro-title': 'The intro title has no place: the intro is the text before the first section.',
  'killercoda:traffic-selector': '`{{TRAFFIC_SELECTOR}}` (the port picker) has no equivalent; the link text is kept.',
  'killercoda:template-variable': 'A `{{VARIABLE}}` Killercoda fills in at run time has no equivalent.',
  'killercoda:raw-html': 'Raw HTML Labkit does not render; it is kept as written.',
  'killercoda:cosmetic-html': 'Spacing HTML (`<br>`) or image sizes that Markdown cannot express were dropped.',
  'killercoda:nested-details': 'A `<details>` inside another one; details-box cannot nest, so it becomes a bold paragraph.',
  'killercoda:asset-static': 'An asset that cannot be a startup file (binary, or over 32 KiB) is published under `__static__/` but not placed on the machine.',
  'killercoda:asset-init-task': 'Text assets past the 10 startup files per machine are written by an init task instead.',
  'killercoda:asset-host': 'An asset for a host the playground does not have.',
  'killercoda:playground': 'How the Killercoda backend image was mapped to a Labkit playground, and what differs.',
  'killercoda:solution-script': 'A challenge got a `.solution.sh` for `lab test`, made of its `{{exec}}` blocks; the author should review it.',
  'killercoda:layout': 'An interface layout with no Labkit tab equivalent.',
  'killercoda:metadata': 'A required Labkit field Killercoda lacks was filled in (title padded, description, difficulty).',
} as const;

export type KillercodaRuleId = keyof typeof killercodaRules;

/** Any rule id of the catalogue: every Diagnostic's `ruleId` is one. */
export type RuleId = LabRuleId | KillercodaRuleId;

/** All rules as a list, sorted by id. */
export function listRules(): RuleSpec<LabRuleId>[] {
  return Object.values(rules).sort((a, b) => (a.id < b.id ? -1 : 1));
}
