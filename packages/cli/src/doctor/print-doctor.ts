import pc from 'picocolors';
import type { DoctorReport } from './doctor.ts';

export function printDoctor(report: DoctorReport): void {
  const out: string[] = [];
  for (const c of report.checks) {
    const mark = c.ok ? pc.green('✓') : c.required ? pc.red('✗') : pc.yellow('!');
    out.push(`${mark} ${c.name.padEnd(30)} ${pc.dim(c.detail)}`);
    if (!c.ok && c.fix) out.push(`    ${c.fix}`);
  }
  out.push('');
  if (report.packageManager === 'unknown') out.push(pc.dim('Host package manager: unknown (no /etc/os-release match); install the tools named above.'));
  out.push(report.ok ? pc.green('Ready for lab image build and lab test.') : pc.red('Missing what lab image build / lab test need: run the lines above.'));
  process.stdout.write(`${out.join('\n')}\n`);
}
