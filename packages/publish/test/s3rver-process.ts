// Runs s3rver in its own process (started by s3-server.ts). Node 24's
// OpenSSL 3 disables DES unless the legacy provider is on, and s3rver
// encrypts its ListObjectsV2 continuation tokens with DES: without
// --openssl-legacy-provider every listing past 1,000 keys answers 500.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };
const [directory, buckets] = process.argv.slice(2);
const server = new S3rver({
  port: 0,
  address: '127.0.0.1',
  silent: true,
  directory,
  configureBuckets: (buckets ?? '').split(',').filter(Boolean).map((name) => ({ name })),
});
const info = await server.run();
process.stdout.write(`${JSON.stringify({ port: info.port })}\n`);
const stop = async (): Promise<void> => {
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// Exit with the parent: the test runner closes our stdin when it goes.
process.stdin.on('end', stop);
process.stdin.resume();
