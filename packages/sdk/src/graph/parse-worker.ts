// Worker entry for the guarded parse pool (workers.ts): takes a list of jobs
// per message, with the memory it shares with the other threads; parses the
// jobs it claims in order and posts each result as soon as it is done, with
// this thread's CPU time then, so the pool can tell how long the current
// file has been taking. Between lists it waits: the pool keeps one such
// worker warm, so a save in lab dev does not start a thread and load the
// parser again.
import { parentPort } from 'node:worker_threads';
import { workThrough, type ParseReply, type ParseRequest } from './workers.ts';

const cpu = (): number => {
  const u = process.threadCpuUsage();
  return u.user + u.system;
};
// With `trees: 'rules'` only the part of each mdast the rules read is
// posted back: copying whole trees was most of what a worker cost beyond
// its parse, and the receiving thread's garbage.
parentPort?.on('message', (request: ParseRequest) => workThrough(request, (reply: ParseReply) => parentPort?.postMessage(reply), cpu));
