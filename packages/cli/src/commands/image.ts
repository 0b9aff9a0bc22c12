import { Option, type Command } from 'commander';

/** `lab image build`: the guest kernel + initramfs (and optionally a Debian root) into the cache. */
export function register(program: Command): void {
  const image = program.command('image').description('Guest images for the local runtime (lab test, lab dev)');
  image
    .command('build')
    .description("Build the guest image once, into $LABKIT_CACHE or ~/.cache/labkit: Debian's cloud kernel and busybox-static (from the host's apt on Debian bookworm, else straight from Debian's archive, signatures and SHA256s checked) and the guest agent")
    .addOption(new Option('--rootfs <kind>', 'root file system').choices(['busybox', 'debian']).default('busybox'))
    .option('--force', 'rebuild even if an image with the same inputs exists')
    .option('--refresh', "look up the newest kernel and busybox in Debian's archive again (versions are otherwise pinned for 30 days)")
    .action(async (opts: { rootfs: 'busybox' | 'debian'; force?: boolean; refresh?: boolean }) => {
      const { buildImage } = await import('@labkit/runtime');
      const started = Date.now();
      const built = await buildImage({ kind: opts.rootfs, force: Boolean(opts.force), refresh: Boolean(opts.refresh), onProgress: (m) => process.stderr.write(`  ${m}\n`) });
      process.stdout.write(
        [
          `${built.kind} image ${built.digest} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
          `  kernel  ${built.kernel}`,
          `  initrd  ${built.initrd}`,
          ...(built.rootfs ? [`  rootfs  ${built.rootfs}`] : []),
          '',
        ].join('\n'),
      );
    });
}
