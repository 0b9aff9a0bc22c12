// Worker entry for the guarded parse pool (workers.ts): parses its jobs in
// order and posts each result as soon as it is done, with this thread's CPU
// time then, so the pool can tell how long the current file has been taking.
import { parentPort, workerData } from 'node:worker_threads';
import { parseDocument } from '../parse/parse-document.ts';
import type { ParseJob } from './workers.ts';

const jobs = workerData as ParseJob[];
const cpu = (): number => {
  const u = process.threadCpuUsage();
  return u.user + u.system;
};
parentPort?.postMessage({ ready: true, cpu: cpu(), at: Date.now() });
jobs.forEach((j, index) => {
  const doc = parseDocument(j.source, { file: j.file });
  parentPort?.postMessage({ index, doc, cpu: cpu(), at: Date.now() });
});
