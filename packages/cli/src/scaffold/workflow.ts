import type { PackageManagerCommands } from './package-manager.ts';

/**
 * The GitHub Actions workflow `lab init` writes (.github/workflows/labkit.yml):
 * install exactly what the lockfile says, validate, build the guest image
 * (cached between runs), test every challenge in microVMs, build the site,
 * and publish it on a push to the default branch when the repository sets
 * the LABKIT_TARGET variable. Every `run:` line is a plain shell command that
 * works the same on a laptop; the pack-install test runs them in order.
 */
export function labkitWorkflow(cmd: PackageManagerCommands): string {
  const lab = (args: string) => cmd.exec('lab', args);
  const setup: string[] = [];
  if (cmd.pm === 'pnpm') setup.push('      - uses: pnpm/action-setup@v4 # reads the pnpm version from package.json "packageManager"');
  if (cmd.pm === 'yarn') setup.push('      - name: Enable Corepack (the Yarn version in package.json "packageManager")', '        run: corepack enable');
  return `# Labkit: validate, test, build and publish this content repository.
# Written by \`lab init\`; edit freely. Each \`run:\` line works the same locally.
#
# Publishing needs one repository variable (Settings > Secrets and variables >
# Actions > Variables): LABKIT_TARGET, a folder or s3://bucket/prefix; for S3
# also the secrets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, the variable
# AWS_REGION (S3-compatible storage: add --endpoint <url> below). Without LABKIT_TARGET
# the publish step is skipped.
name: labkit

on:
  push:
  pull_request:
  workflow_dispatch:

permissions:
  contents: read

# One run at a time per branch, so two publishes never race.
concurrency:
  group: labkit-\${{ github.ref }}
  cancel-in-progress: false

jobs:
  labkit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
${setup.map((l) => `${l}\n`).join('')}      - uses: actions/setup-node@v4
        with:
          node-version: 24
          cache: ${cmd.setupNodeCache}
      - name: Install dependencies (exactly as locked)
        run: ${cmd.installLocked}
      - name: Validate content
        run: ${lab('validate . --max-warnings 0')}
      - name: Install QEMU and the guest image tools
        run: sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends qemu-system-x86 gcc libc6-dev cpio gpgv debian-archive-keyring
      - name: Allow KVM (microVMs run about 10x faster with it)
        run: if [ -e /dev/kvm ]; then sudo chmod 666 /dev/kvm; fi
      - name: Check the host
        run: ${lab('doctor')}
      - name: Cache the guest image
        uses: actions/cache@v4
        with:
          path: |
            ~/.cache/labkit/images
            ~/.cache/labkit/debs
            ~/.cache/labkit/debian
          key: labkit-image-\${{ runner.os }}-\${{ hashFiles('${cmd.lockfile}') }}
          restore-keys: labkit-image-\${{ runner.os }}-
      - name: Build the guest image (once; then from the cache)
        run: ${lab('image build')}
      - name: Test challenges in microVMs
        run: ${lab('test .')}
      - name: Build the site
        run: ${lab('build . --out dist')}
      - uses: actions/upload-artifact@v4
        with:
          name: site
          path: dist
          retention-days: 7
      - name: Publish (pushes to the default branch only)
        if: github.event_name == 'push' && github.ref_name == github.event.repository.default_branch && vars.LABKIT_TARGET != ''
        env:
          LABKIT_TARGET: \${{ vars.LABKIT_TARGET }}
          AWS_ACCESS_KEY_ID: \${{ secrets.AWS_ACCESS_KEY_ID }}
          AWS_SECRET_ACCESS_KEY: \${{ secrets.AWS_SECRET_ACCESS_KEY }}
          AWS_REGION: \${{ vars.AWS_REGION }}
        run: ${lab('publish . --to "$LABKIT_TARGET" --site dist --prune')}
`;
}
