import { Option, type Command } from 'commander';
import { wholeNumber } from '../number-flag.ts';

/** `lab publish [dir] --to <target>`: validate, build, (test,) then publish site + content bundle by digest. */
export function register(program: Command): void {
  program
    .command('publish')
    .description('Validate, build and publish the site and content bundle to a folder or S3-compatible storage')
    .argument('[dir]', 'content folder', '.')
    .requiredOption('--to <target>', 'where to publish: a folder, file:///path, or s3://bucket/prefix')
    .option('--endpoint <url>', 'S3-compatible endpoint (MinIO, R2, Ceph...); default AWS, or AWS_ENDPOINT_URL_S3')
    .option('--region <region>', 'storage region (default AWS_REGION, else us-east-1 with --endpoint)')
    .option('--site <dir>', 'publish this already built site instead of running lab build')
    .option('--out <dir>', 'build the site into this folder and keep it (default: a temporary folder)')
    .option('--test', 'run lab test (challenge checks) before publishing')
    .option('--no-code', 'never import *.lab.ts files (their content is not published); not with --test')
    .option('--prune', 'delete published objects that this publish no longer has')
    .option('--dry-run', 'print the plan (uploads, deletions) and write nothing')
    .option('--concurrency <n>', 'requests in flight at once', wholeNumber({ min: 1, max: 256, what: 'concurrency' }), 8)
    .option('--retries <n>', 'retries per request on 5xx and network errors', wholeNumber({ max: 20 }), 4)
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .option('--no-color', 'plain output without colours')
    .action(async (dir: string, opts: import('../run/publish.ts').PublishFlags) => {
      const { publishCommand } = await import('../run/publish.ts');
      process.exitCode = await publishCommand(dir, opts);
    });
}
