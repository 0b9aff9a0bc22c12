import { Option, type Command } from 'commander';

const MiB = 1024 * 1024;

/** `lab image build|list|prune`: guest images for the playgrounds a repository uses. */
export function register(program: Command): void {
  const image = program.command('image').description('Guest images for the local runtime (lab test, lab dev)');
  image
    .command('build [names...]')
    .description(
      "Build the images of the playgrounds this repository uses (or the named ones) into $LABKIT_CACHE or ~/.cache/labkit, each cached by a digest of every input. busybox: Debian's cloud kernel, busybox-static, bash-static and the guest agent; Debian playgrounds (debian, docker, your own): mmdebstrap from the host's apt sources",
    )
    .option('--content <dir>', 'content folder whose playgrounds are built', '.')
    .addOption(new Option('--rootfs <kind>', 'build a base image only (busybox, or the legacy debootstrap debian)').choices(['busybox', 'debian']))
    .option('--force', 'rebuild even if an image with the same inputs exists')
    .option('--refresh', "look up the newest kernel and busybox in Debian's archive again (versions are otherwise pinned for 30 days)")
    .action(async (names: string[], opts: { content: string; rootfs?: 'busybox' | 'debian'; force?: boolean; refresh?: boolean }) => {
      const { buildBaseImage, buildImages } = await import('../run/image.ts');
      const reporter = { progress: (m: string) => void process.stderr.write(`  ${m}\n`), diagnostics: () => {} };
      if (opts.rootfs) {
        const built = await buildBaseImage({ kind: opts.rootfs, force: Boolean(opts.force), refresh: Boolean(opts.refresh), reporter });
        process.stdout.write(`${built.kind} image ${built.digest} (${(built.durationMs / 1000).toFixed(1)} s)\n  kernel  ${built.kernel}\n  initrd  ${built.initrd}\n${built.rootfs ? `  rootfs  ${built.rootfs}\n` : ''}`);
        return;
      }
      const built = await buildImages({ content: opts.content, names, force: Boolean(opts.force), refresh: Boolean(opts.refresh), reporter });
      for (const b of built) {
        process.stdout.write(`${b.name} (${b.source}) image ${b.image.digest} ${b.built ? 'built' : 'cached'} in ${(b.durationMs / 1000).toFixed(1)} s\n  ${b.image.rootfs ?? b.image.initrd}\n`);
      }
    });
  image
    .command('list')
    .description('List the guest images in the cache')
    .action(async () => {
      const { listImages } = await import('../run/image.ts');
      const images = await listImages();
      if (images.length === 0) process.stdout.write('No images yet: run lab image build.\n');
      for (const i of images) process.stdout.write(`${i.name.padEnd(16)} ${i.digest}  ${(i.bytes / MiB).toFixed(0).padStart(6)} MiB  ${i.builtAt ?? ''}\n`);
    });
  image
    .command('prune')
    .description('Remove cached images but the newest of each playground (--all: every image)')
    .option('--all', 'remove every image')
    .action(async (opts: { all?: boolean }) => {
      const { pruneImages } = await import('../run/image.ts');
      const { images, buildFolders } = await pruneImages({ all: Boolean(opts.all) });
      const bytes = images.reduce((t, i) => t + i.bytes, 0);
      process.stdout.write(`Removed ${images.length} image(s), ${(bytes / MiB).toFixed(0)} MiB.\n`);
      // The work folders of killed builds: named, so a user who wondered where the space went sees it.
      if (buildFolders.length) process.stdout.write(`Removed ${buildFolders.length} work folder(s) of killed builds: ${buildFolders.join(', ')}.\n`);
    });
}
