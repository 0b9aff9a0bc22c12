import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes `count` realistic content items into `root`: challenges and
 * tutorials shaped like the iximiuz samples (front matter with several
 * tasks, needs/env, hintcheck/failcheck; a body with task components, hint
 * and details boxes, tabs, images, cards and code fences), plus skill paths
 * with units and courses with modules and lessons. Everything is valid, so
 * `lab validate` does its full work and reports nothing. Returns the number
 * of Markdown files written.
 */
export function generateContent(root: string, count: number): number {
  let files = 0;
  const write = (rel: string, text: string | Uint8Array): void => {
    const abs = join(root, rel);
    mkdirSync(join(abs, '..'), { recursive: true });
    writeFileSync(abs, text);
    if (rel.endsWith('.md')) files++;
  };
  const nChallenges = Math.round(count * 0.45);
  const nTutorials = Math.round(count * 0.45);
  const nPaths = Math.round(count * 0.05);
  const nCourses = count - nChallenges - nTutorials - nPaths;
  for (let i = 0; i < nChallenges; i++) {
    write(`challenges/challenge-${i}/index.md`, challenge(i, nChallenges));
    write(`challenges/challenge-${i}/solution.md`, solution(i));
    write(`challenges/challenge-${i}/__static__/diagram.png`, PNG);
  }
  for (let i = 0; i < nTutorials; i++) {
    write(`tutorials/tutorial-${i}/index.md`, tutorial(i, nChallenges));
    write(`tutorials/tutorial-${i}/__static__/cover.png`, PNG);
  }
  for (let i = 0; i < nPaths; i++) {
    write(`skill-paths/path-${i}/index.md`, skillPath(i));
    for (let u = 1; u <= 4; u++) write(`skill-paths/path-${i}/unit-${u}0.md`, unit(i, u, nChallenges, nTutorials));
  }
  for (let i = 0; i < nCourses; i++) {
    write(`courses/course-${i}/index.md`, course(i));
    for (let m = 1; m <= 2; m++) {
      write(`courses/course-${i}/0${m}0.module-${m}/000.index.md`, `---\nkind: module\ntitle: Module ${m}\n---\n\nWhat module ${m} covers.\n`);
      for (let l = 1; l <= 2; l++) write(`courses/course-${i}/0${m}0.module-${m}/0${l}0.lesson-${l}/000.index.md`, lesson(i, m, l));
    }
  }
  return files;
}

/** A 1x1 PNG: the validator only checks that assets exist. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const LOREM =
  'Containers are processes with a restricted view of the system. The kernel gives each of them its own namespaces, ' +
  'and cgroups limit how much CPU and memory they may use. Understanding these two mechanisms explains most of the ' +
  'surprises people run into when they first debug a containerized application in production.';

function paragraph(i: number, n: number): string {
  return Array.from({ length: n }, (_, k) => `${LOREM} (${i}.${k})`).join('\n');
}

function task(name: string, extra: string): string {
  return `  ${name}:
${extra}    run: |
      if [ ! -f /tmp/${name}.done ]; then
        echo "Waiting for /tmp/${name}.done to appear."
        exit 1
      fi
      cat /tmp/${name}.done
    hintcheck: |
      if [ -d /tmp/${name} ]; then
        echo "A folder named ${name} exists, but a file was expected."
      fi
`;
}

function challenge(i: number, n: number): string {
  const other = (i + 1) % n;
  return `---
kind: challenge

title: 'Benchmark Challenge ${i}: Inspect a Running Container'

description: |
  Start a container, find its PID and IP address, and stop it cleanly.
  Generated for the lab validate benchmark.

categories:
  - linux
  - containers

tagz:
  - benchmark
  - containers

difficulty: easy

createdAt: 2026-01-${String((i % 28) + 1).padStart(2, '0')}

cover: __static__/diagram.png

playground:
  name: busybox

tasks:
  init_prepare:
    init: true
    run: |
      mkdir -p /opt/bench-${i}
      echo ready > /opt/bench-${i}/state
${task('verify_first', '')}${task('verify_second', '    needs:\n      - verify_first\n    env:\n      - FIRST=x(.needs.verify_first.stdout)\n')}${task(
    'verify_third',
    '    needs:\n      - verify_second\n    failcheck: |\n      [ -f /opt/bench-' + i + '/state ] || exit 1\n',
  )}  verify_answer:
    needs:
      - verify_third
    run: |
      ANSWER=$(echo "x(.input)" | tr -d '[:space:]')
      [ "$ANSWER" = "42" ] || exit 1

challenges:
  challenge-${other}: {}
---

${paragraph(i, 4)}

::image-box
---
:src: __static__/diagram.png
:alt: A diagram of the container's namespaces.
:max-width: 600px
---
::

## Step 1

${paragraph(i, 3)}

::simple-task
---
:tasks: tasks
:name: verify_first
---
#active
Waiting for the first step...

#completed
The first step is done.
::

::hint-box
---
:summary: Hint 1
---
${paragraph(i, 1)}
::

## Step 2

\`\`\`sh [terminal]{2}
docker run -d --name web-${i} nginx:alpine
docker inspect --format '{{.State.Pid}}' web-${i}
\`\`\`

::simple-task
---
:tasks: tasks
:name: verify_second
---
#active
Waiting for the second step...

#completed
The second step is done.
::

::hint-box
---
:summary: Hint 2
---
${paragraph(i, 1)}
::

## Step 3

${paragraph(i, 2)}

::simple-task
---
:tasks: tasks
:name: verify_third
---
#active
Waiting for the third step...

#completed
The third step is done.
::

::user-input-task
---
:tasks: tasks
:name: verify_answer
:validateRegex: ^[0-9]+$
---
#active
What is the answer?

#completed
Correct.
::

::details-box
---
:summary: Background
---
${paragraph(i, 2)}

\`\`\`yaml [pod.yaml]{3-4}
apiVersion: v1
kind: Pod
metadata:
  name: web-${i}
\`\`\`
::

::card
---
:challenge: challenges.challenge-${other}
---
::
`;
}

function solution(i: number): string {
  return `---
title: Solution ${i}
---

${paragraph(i, 2)}

<!--more-->

\`\`\`sh
touch /tmp/verify_first.done /tmp/verify_second.done /tmp/verify_third.done
\`\`\`
`;
}

function tutorial(i: number, nChallenges: number): string {
  const c = i % nChallenges;
  return `---
kind: tutorial

title: 'Benchmark Tutorial ${i}: Namespaces and Cgroups'

description: |
  A walk through namespaces and cgroups with hands-on steps.

categories:
  - containers

tagz:
  - benchmark

createdAt: 2026-02-${String((i % 28) + 1).padStart(2, '0')}

cover: __static__/cover.png

playground:
  name: busybox

tasks:
  init_setup:
    init: true
    run: |
      mkdir -p /srv/tutorial-${i}
${task('verify_namespace', '')}${task('verify_cgroup', '    needs:\n      - verify_namespace\n')}
challenges:
  challenge-${c}: {}
---

${paragraph(i, 5)}

## Namespaces

${paragraph(i, 4)}

::tabbed
---
tabs:
  - name: docker
    title: Docker
  - name: podman
    title: Podman
---
#docker
\`\`\`sh
docker run --rm -it alpine sh
\`\`\`

#podman
\`\`\`sh
podman run --rm -it alpine sh
\`\`\`
::

::simple-task
---
:tasks: tasks
:name: verify_namespace
---
#active
Waiting for a new namespace...

#completed
Namespace created.
::

::remark-box
---
kind: warning
---
${paragraph(i, 1)}
::

## Cgroups

${paragraph(i, 4)}

\`\`\`go [main.go]{3,5-6}
package main

import "fmt"

func main() {
\tfmt.Println("hello from tutorial ${i}")
}
\`\`\`

::simple-task
---
:tasks: tasks
:name: verify_cgroup
---
#active
Waiting for the cgroup limit...

#completed
Limit applied.
::

![Cover image of tutorial ${i}](__static__/cover.png)

::card
---
:challenge: challenges.challenge-${c}
---
::
`;
}

function skillPath(i: number): string {
  return `---
kind: skill-path
title: 'Benchmark Skill Path ${i}'
description: A generated skill path.
categories:
  - linux
difficulties:
  - easy
createdAt: 2026-03-01
---

${paragraph(i, 3)}
`;
}

function unit(i: number, u: number, nChallenges: number, nTutorials: number): string {
  const useChallenge = u % 2 === 0;
  const target = useChallenge ? `challenge-${(i * 4 + u) % nChallenges}` : `tutorial-${(i * 4 + u) % nTutorials}`;
  const map = useChallenge ? 'challenges' : 'tutorials';
  const prop = useChallenge ? ':challenge' : ':content';
  return `---
kind: unit
title: Unit ${u}
name: unit-${u}
${map}:
  ${target}: {}
---

::card
---
${prop}: ${map}.${target}
---
::

${paragraph(i, 2)}
`;
}

function course(i: number): string {
  return `---
kind: course
title: 'Benchmark Course ${i}: Linux Basics'
description: A generated course.
categories:
  - linux
createdAt: 2026-04-01
playground:
  name: busybox
---

${paragraph(i, 3)}
`;
}

function lesson(i: number, m: number, l: number): string {
  return `---
kind: lesson
title: Lesson ${m}.${l}
tasks:
${task('verify_lesson', '')}---

${paragraph(i, 3)}

::simple-task
---
:tasks: tasks
:name: verify_lesson
---
#active
Waiting...

#completed
Done.
::
`;
}
