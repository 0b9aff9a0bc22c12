import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { TaskInput } from '../../schemas/task.ts';
import { convertMarkdown, escapeMdcText } from './convert-markdown.ts';
import { at, type DiagnosticSink } from './diagnostics.ts';
import { mapAssets, overflowScript } from './map-assets.ts';
import { findDockerCommand, mapPlayground, type DockerUse } from './map-playground.ts';
import { jsonErrorSpan, readSourceJson, type SourceJson } from './source-json.ts';
import { sourceFile } from './source-path.ts';
import { StaticFiles } from './static-files.ts';

/** One converted scenario: its files (relative to its own folder) and what references need. */
export interface ConvertedScenario {
  kind: 'tutorial' | 'challenge';
  title: string;
  categories: string[];
  files: Map<string, string | Uint8Array>;
}

interface Page {
  title?: string;
  text?: string;
  verify?: string;
  background?: string;
  foreground?: string;
}

const KNOWN: Record<string, readonly string[]> = {
  root: ['title', 'description', 'details', 'backend', 'interface'],
  details: ['intro', 'steps', 'finish', 'assets'],
  page: ['title', 'text', 'verify', 'background', 'foreground'],
  backend: ['imageid'],
  interface: ['layout'],
};


/** Long init scripts (package installs) are normal on Killercoda, which has no timeout. */
const INIT_TIMEOUT_SECONDS = 300;

function yamlFrontMatter(data: Record<string, unknown>): string {
  return `---\n${stringify(data, { lineWidth: 0 })}---\n`;
}

/** `::simple-task` bound to one verify task. */
function simpleTask(name: string, title: string, n: number): string {
  return [
    '::simple-task',
    '---',
    stringify({ ':tasks': 'tasks', ':name': name }, { lineWidth: 0 }).trimEnd(),
    '---',
    '#active',
    `Complete this step: ${escapeMdcText(title)}.`,
    '',
    '#completed',
    `Step ${n} done.`,
    '::',
  ].join('\n');
}

/**
 * Converts one Killercoda scenario folder. `relDir` is the folder relative
 * to the import source, so diagnostics name files the author knows.
 */
export function convertScenario(absDir: string, relDir: string, sink: DiagnosticSink, createdAt: string, imageRoot?: string): ConvertedScenario | undefined {
  const rel = (p: string): string => path.posix.join(relDir, p);
  const indexFile = rel('index.json');
  // A byte-order mark is common in files saved by Windows editors; JSON.parse rejects it.
  const indexPath = sourceFile(absDir, absDir, 'index.json');
  if (!indexPath.ok) {
    sink.add(indexFile, at(1, 1), 'killercoda:outside-source', 'error', 'index.json is a symlink out of the scenario folder (or not a file); the scenario is skipped.');
    return undefined;
  }
  const text = readFileSync(indexPath.abs, 'utf8').replace(/^\uFEFF/, '');
  let index: SourceJson;
  try {
    index = readSourceJson(indexFile, text);
  } catch (error) {
    sink.add(indexFile, jsonErrorSpan(text, error), 'killercoda:invalid-json', 'error', `index.json is not valid JSON (${(error as Error).message}); the scenario is skipped.`);
    return undefined;
  }
  const raw = (index.value ?? {}) as Record<string, unknown>;
  const details = (raw.details ?? {}) as Record<string, unknown>;
  reportUnknown(index, raw, [], KNOWN.root!, sink);
  reportUnknown(index, details, ['details'], KNOWN.details!, sink);
  reportUnknown(index, raw.backend, ['backend'], KNOWN.backend!, sink);
  reportUnknown(index, raw.interface, ['interface'], KNOWN.interface!, sink);

  const intro = details.intro as Page | undefined;
  const finish = details.finish as Page | undefined;
  const steps = (Array.isArray(details.steps) ? details.steps : []) as Page[];
  if (intro) reportUnknown(index, intro, ['details', 'intro'], KNOWN.page!, sink);
  if (finish) reportUnknown(index, finish, ['details', 'finish'], KNOWN.page!, sink);
  steps.forEach((s, i) => reportUnknown(index, s, ['details', 'steps', i], KNOWN.page!, sink));

  const plan = mapPlayground(index, raw, sink, dockerUse(absDir, relDir, [intro, ...steps, finish]));
  const staticFiles = new StaticFiles();
  const overflow = mapAssets(index, absDir, plan, staticFiles, sink);
  const multiMachine = plan.machines.length > 1;

  const readScript = (pathInJson: Array<string | number>, file: string): string | undefined => {
    const found = sourceFile(absDir, absDir, String(file));
    if (!found.ok) {
      if (found.reason === 'outside') sink.add(indexFile, index.spanOf(pathInJson), 'killercoda:outside-source', 'warning', `${file} is outside the scenario folder; it is not read.`);
      else sink.add(indexFile, index.spanOf(pathInJson), 'killercoda:missing-file', 'warning', `${file} is not a file; nothing is imported for it.`);
      return undefined;
    }
    const script = readFileSync(found.abs, 'utf8');
    return script.endsWith('\n') ? script : `${script}\n`;
  };
  // The {{exec}} code of the intro and steps, in order: the commands a learner clicks through.
  const execs: Array<{ page: string; code: string }> = [];
  let page = 'Intro';
  const markdown = (pathInJson: Array<string | number>, file: string | undefined): string => {
    if (!file) return '';
    const found = sourceFile(absDir, absDir, String(file));
    if (!found.ok) {
      if (found.reason === 'outside') sink.add(indexFile, index.spanOf(pathInJson), 'killercoda:outside-source', 'warning', `${file} is outside the scenario folder; the page is left empty.`);
      else sink.add(indexFile, index.spanOf(pathInJson), 'killercoda:missing-file', 'warning', `${file} is not a file; the page is left empty.`);
      return '';
    }
    const abs = path.join(absDir, String(file));
    return convertMarkdown(readFileSync(found.abs, 'utf8'), {
      file: rel(file),
      absPath: abs,
      scenarioDir: absDir,
      ...(imageRoot ? { imageRoot } : {}),
      machines: plan.machines,
      minHeadingLevel: 3,
      staticFiles,
      sink,
      onExec: (code) => execs.push({ page, code }),
    });
  };

  const tasks: Record<string, TaskInput> = {};
  const addTask = (name: string, task: TaskInput): void => {
    if (multiMachine) task.machine = plan.machines[0];
    tasks[name] = task;
  };
  // Killercoda uploads assets before any script runs: scripts need the asset tasks.
  const assetTasks: string[] = [];
  for (const { machine, files } of overflow) {
    const name = `init_assets_${machine.replace(/[^A-Za-z0-9]+/g, '_')}`;
    addTask(name, { init: true, run: overflowScript(files) });
    if (multiMachine) tasks[name]!.machine = machine;
    assetTasks.push(name);
  }
  let lastBackground: string | undefined;
  const pageScripts = (page: Page | undefined, key: Array<string | number>, id: string, label: string, opensLater: boolean): void => {
    if (!page) return;
    let background: string | undefined;
    if (page.background) {
      const run = readScript([...key, 'background'], page.background);
      if (run) {
        background = `init_${id}_background`;
        const needs = lastBackground ? [lastBackground] : assetTasks;
        addTask(background, { init: true, ...(needs.length > 0 ? { needs: [...needs] } : {}), run, timeout_seconds: INIT_TIMEOUT_SECONDS });
        lastBackground = background;
        if (opensLater) {
          sink.add(indexFile, index.spanOf([...key, 'background']), 'killercoda:background-timing', 'warning', `The ${label} background script ran when the learner opened ${label.startsWith('step') ? label : `the ${label}`}; as init task ${background} it runs while the playground boots.`);
        }
      }
    }
    if (page.foreground) {
      const run = readScript([...key, 'foreground'], page.foreground);
      if (run) {
        const name = `init_${id}_foreground`;
        const needs = background ? [background] : assetTasks;
        addTask(name, { init: true, ...(needs.length > 0 ? { needs: [...needs] } : {}), run, timeout_seconds: INIT_TIMEOUT_SECONDS });
        sink.add(indexFile, index.spanOf([...key, 'foreground']), 'killercoda:foreground-script', 'warning', `The ${label} foreground script typed into the learner's terminal; as init task ${name} it runs unseen (its output is not shown).`);
      }
    }
  };

  pageScripts(intro, ['details', 'intro'], 'intro', 'intro', false);
  const body: string[] = [];
  if (intro?.title) {
    sink.add(indexFile, index.spanOf(['details', 'intro', 'title']), 'killercoda:intro-title', 'info', `Intro title "${intro.title}" was dropped: the intro is the text before the first section.`);
  }
  const introText = markdown(['details', 'intro', 'text'], intro?.text);
  if (introText) body.push(introText);

  let lastVerify: string | undefined;
  steps.forEach((step, i) => {
    const n = i + 1;
    const title = step.title?.trim() || `Step ${n}`;
    page = step.title?.trim() ? `Step ${n}: ${title}` : `Step ${n}`;
    pageScripts(step, ['details', 'steps', i], `step_${n}`, `step ${n}`, true);
    body.push(`## ${escapeMdcText(title)}`);
    const text = markdown(['details', 'steps', i, 'text'], step.text);
    if (text) body.push(text);
    if (step.verify) {
      const run = readScript(['details', 'steps', i, 'verify'], step.verify);
      if (run) {
        const name = `verify_step_${n}`;
        // Killercoda unlocks step N+1 only once step N verified: keep that order.
        addTask(name, { ...(lastVerify ? { needs: [lastVerify] } : {}), run });
        lastVerify = name;
        body.push(simpleTask(name, title, n));
      }
    }
  });
  page = 'Finish';
  if (finish) {
    pageScripts(finish, ['details', 'finish'], 'finish', 'finish page', true);
    const text = markdown(['details', 'finish', 'text'], finish.text);
    if (text || finish.title) {
      body.push(`## ${escapeMdcText(finish.title?.trim() || 'Finish')}`);
      if (text) body.push(text);
    }
  }

  const kind = Object.keys(tasks).some((t) => t.startsWith('verify_')) ? 'challenge' : 'tutorial';
  let title = typeof raw.title === 'string' ? raw.title.trim() : '';
  const sourceTitle = title || path.posix.basename(relDir) || 'scenario';
  if (title.length < 10 || title.length > 120) {
    title = title.length > 120 ? `${title.slice(0, 119)}…` : `${sourceTitle} (imported)`;
    sink.add(indexFile, index.spanOf(raw.title === undefined ? [] : ['title']), 'killercoda:metadata', 'info', `Labkit titles are 10-120 characters; the title became "${title}".`);
  }
  let description = typeof raw.description === 'string' ? raw.description.trim() : '';
  if (!description) {
    description = `Imported from the Killercoda scenario "${sourceTitle}".`;
    sink.add(indexFile, index.spanOf([]), 'killercoda:metadata', 'info', 'No description; one was written from the title.');
  } else if (description.length > 500) {
    description = `${description.slice(0, 499)}…`;
    sink.add(indexFile, index.spanOf(['description']), 'killercoda:metadata', 'warning', 'The description was cut to 500 characters.');
  }
  if (body.length === 0) body.push(escapeMdcText(description));

  const front: Record<string, unknown> = { kind, title, description, categories: plan.categories, tagz: ['killercoda'] };
  if (kind === 'challenge') {
    front.difficulty = 'easy';
    sink.add(indexFile, at(1, 1), 'killercoda:metadata', 'info', 'Killercoda has no difficulty; the challenge is marked "easy".');
  }
  front.createdAt = createdAt;
  front.playground = plan.playground;
  if (Object.keys(tasks).length > 0) front.tasks = tasks;

  const files = new Map<string, string | Uint8Array>();
  files.set('index.md', `${yamlFrontMatter(front)}\n${body.join('\n\n')}\n`);
  for (const [name, abs] of staticFiles.byName) files.set(`__static__/${name}`, readFileSync(abs));
  const solution = execs.filter((e) => e.page !== 'Finish');
  if (kind === 'challenge' && solution.length > 0) {
    files.set('.solution.sh', solutionScript(relDir, solution));
    sink.add(indexFile, index.spanOf(['details', 'steps'], 'key'), 'killercoda:solution-script', 'info', `.solution.sh was written from the ${solution.length} {{exec}} block(s) of the intro and steps, for \`lab test\`; review it (informational or blocking commands are included as written).`);
  }
  return { kind, title, categories: plan.categories, files };
}

/**
 * The first `docker` command in the scenario's page texts and scripts, in
 * page order (files outside the folder or missing are skipped here; the
 * conversion reports them).
 */
function dockerUse(absDir: string, relDir: string, pages: ReadonlyArray<Page | undefined>): DockerUse | undefined {
  for (const page of pages) {
    for (const file of [page?.text, page?.background, page?.foreground, page?.verify]) {
      if (typeof file !== 'string') continue;
      const found = sourceFile(absDir, absDir, file);
      if (!found.ok) continue;
      const hit = findDockerCommand(readFileSync(found.abs, 'utf8'));
      if (hit) return { file: path.posix.join(relDir, file), ...hit };
    }
  }
  return undefined;
}

/**
 * A challenge's CI solution from its `{{exec}}` blocks: on Killercoda these
 * are the commands the learner runs by clicking, in order, so together they
 * usually solve the steps. No `set -e`: a learner would go on after an
 * informational command failed, and the tasks decide success anyway.
 */
function solutionScript(relDir: string, execs: ReadonlyArray<{ page: string; code: string }>): string {
  const lines = ['#!/bin/sh', `# Generated by \`lab import killercoda\` from the {{exec}} code blocks of ${relDir || 'the scenario'}.`, '# Review it: every clicked command is here, as written.'];
  let last = '';
  for (const { page, code } of execs) {
    if (page !== last) lines.push('', `# ${page}`);
    last = page;
    lines.push(code.replace(/\n+$/, ''));
  }
  return `${lines.join('\n')}\n`;
}

function reportUnknown(index: SourceJson, value: unknown, base: Array<string | number>, known: readonly string[], sink: DiagnosticSink): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return;
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const where = [...base, key].join('.');
    sink.add(index.file, index.spanOf([...base, key], 'key'), 'killercoda:unknown-field', 'warning', `"${where}" has no Labkit equivalent; it is ignored.`);
  }
}
