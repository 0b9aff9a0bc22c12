#!/usr/bin/env node
// `lab` and `labkit`: the Labkit command line (@labkit/cli), under the
// package name authors install: `npm install --save-dev labkit`.
import '@labkit/cli/bin/lab.js';
