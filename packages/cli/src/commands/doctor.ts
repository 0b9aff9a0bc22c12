import type { Command } from 'commander';

/** `lab doctor`: QEMU, KVM, image tools, the image cache and Chromium, with install lines for this host. */
export function register(program: Command): void {
  program
    .command('doctor')
    .description('Check this host for QEMU, KVM, the image build tools, the guest image cache and Chromium; print the install line for what is missing')
    .option('--format <format>', 'pretty | json', 'pretty')
    .action(async (opts: { format: string }) => {
      const [{ doctor }, { printDoctor }] = await Promise.all([import('../run/doctor.ts'), import('../doctor/print-doctor.ts')]);
      const report = doctor();
      if (opts.format === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else printDoctor(report);
      process.exitCode = report.ok ? 0 : 1;
    });
}
