// Worker entry for parseInWorkers: parses its batch and posts the results.
import { parentPort, workerData } from 'node:worker_threads';
import { parseDocument } from '../parse/parse-document.ts';
import type { ParseJob } from './workers.ts';

const jobs = workerData as ParseJob[];
parentPort?.postMessage(jobs.map((j) => parseDocument(j.source, { file: j.file })));
