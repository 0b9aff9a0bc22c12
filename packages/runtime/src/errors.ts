import { defineErrors, isLabkitError } from '@labkit/sdk';

const REFUSED = ' refused the request: ';

/** Every error the runtime raises itself. Content problems are Diagnostics, not these. */
export const RuntimeErrors = defineErrors({
  ToolMissing: {
    title: 'Required tool missing',
    message: (tool: string, why: string) => `\`${tool}\` is not installed (${why}).`,
    hint: (tool: string, _why: string) => `Install it (Debian: \`apt-get install ${debPackageFor(tool)}\`) and retry.`,
  },
  KernelUnavailable: {
    title: 'Cannot fetch the guest kernel',
    message: (detail: string) => `Could not get the Debian packages of the guest image (kernel, busybox): ${detail}`,
    hint: 'lab image build downloads them once from Debian\'s archive (LABKIT_DEBIAN_MIRROR overrides https://deb.debian.org/debian); check the network or the mirror, then run `lab image build` again.',
  },
  DebianArchiveUntrusted: {
    title: 'Debian archive data failed verification',
    message: (what: string, detail: string) => `${what} did not verify: ${detail}. Nothing from it was used.`,
    hint: 'A proxy or mirror may be serving stale or altered files: try another LABKIT_DEBIAN_MIRROR, or run `lab image build --refresh` to fetch the indexes again.',
  },
  ImageBuildFailed: {
    title: 'Guest image build failed',
    message: (step: string, detail: string) => `${step} failed: ${detail}`,
    hint: 'Re-run with LABKIT_DEBUG=1 to keep the work folder, and check the tool output above.',
  },
  ImageMissing: {
    title: 'Guest image not built',
    message: (what: string) => `No ${what} guest image in the cache.`,
    hint: (what: string) => `Run \`lab image build${what === 'debian' ? ' --rootfs debian' : ''}\` first.`,
  },
  BootFailed: {
    title: 'Machine did not boot',
    message: (machine: string, detail: string) => `Machine \`${machine}\` did not boot: ${detail}`,
    hint: 'Check that qemu-system-x86 is installed; LABKIT_DEBUG=1 keeps the guest console log.',
  },
  MachineDied: {
    title: 'Machine stopped unexpectedly',
    message: (machine: string, detail: string) => `Machine \`${machine}\` stopped while a script was running: ${detail}`,
    hint: 'The guest crashed, powered off or was killed. The playground must be started again.',
  },
  AgentUnresponsive: {
    title: 'Guest agent stopped answering',
    message: (machine: string, seconds: number) =>
      `Machine \`${machine}\` gave no result ${seconds} s after the script's own timeout; the host watchdog stopped it.`,
    hint: 'The guest is overloaded or hung. The playground must be started again.',
  },
  AgentProtocol: {
    title: 'Guest agent broke the protocol',
    message: (machine: string, detail: string) => `Machine \`${machine}\` sent a frame the host refuses (${detail}); the host stopped it.`,
    hint: 'A guest where the learner is root can write to the agent channel; nothing it sent was taken as a result. The playground must be started again.',
  },
  MachineNotFound: {
    title: 'No such machine',
    message: (machine: string, known: string[]) => `Machine \`${machine}\` is not in this playground (machines: ${known.join(', ')}).`,
    hint: 'Set the task\'s `machine:` to one of the playground\'s machines.',
  },
  ServicesFailed: {
    title: 'Playground services did not start',
    message: (machine: string, detail: string) => `Machine ${machine}: a service of its playground did not get ready.\n${detail}`,
    hint: 'Check the definition\'s build.services (run, ready, timeout_seconds); each service logs to /var/log/<name>.log in the guest.',
  },
  PlaygroundUnsupported: {
    title: 'Playground not supported by the local runtime',
    message: (name: string) => `Playground \`${name}\` has no definition here, so it has no local guest image.`,
    hint: 'Use a built-in playground (busybox, debian, docker, docker-multi) or add a `kind: playground` definition; see docs/playgrounds.md.',
  },
  ProviderUnavailable: {
    title: 'Provider cannot run here',
    message: (provider: string, why: string) => `The ${provider} provider cannot run on this machine: ${why}`,
    hint: 'Use the qemu provider (the default), or run on a host that has what is missing.',
  },
  SshFailed: {
    title: 'SSH connection failed',
    message: (target: string, detail: string) => `Cannot reach ${target} over SSH: ${detail}`,
    hint: 'Check host, port, user and key; `ssh -p PORT USER@HOST true` should work first.',
  },
  FirecrackerApi: {
    title: 'Firecracker API error',
    message: (request: string, status: number, body: string) => `${request} answered ${status}: ${body}`,
    hint: 'Check the kernel and rootfs paths and that the firecracker binary matches the documented API version.',
  },
  PortInUse: {
    title: 'Port in use',
    message: (port: number, host: string) => `Cannot listen on ${host}:${port}: the port is in use.`,
    hint: 'Stop what uses it, or pass another `--port` (0 picks a free one).',
  },
  ChallengeNotFound: {
    title: 'No challenge found',
    message: (path: string) => `No challenge (an index.md with \`kind: challenge\`) at or under ${path}.`,
    hint: 'Pass a challenge folder, or a folder that contains challenge folders.',
  },
  SolutionNeedsChallenge: {
    title: 'Which challenge is this solution for?',
    message: (file: string, selected: string[]) =>
      `--solution ${file} names no challenge, and ${selected.length === 0 ? 'no challenge is' : `${selected.length} challenges are`} selected${selected.length ? ` (${selected.join(', ')})` : ''}; a solution without a name needs exactly one.`,
    hint: (file: string, selected: string[]) => `Name the challenge: \`--solution ${selected[0] ?? '<challenge>'}=${file}\` (repeatable), or select one challenge with --only or its folder.`,
  },
  SolutionChallengeUnknown: {
    title: 'Unknown challenge for --solution',
    message: (name: string, selected: string[]) => `--solution ${name}=... names no selected challenge${selected.length ? ` (selected: ${selected.join(', ')})` : ''}.`,
    hint: 'Use a challenge name or id from the list; challenges left out by --only cannot take a solution.',
  },
  SolutionTwice: {
    title: 'Two solutions for one challenge',
    message: (name: string) => `--solution gives challenge ${name} more than one script.`,
    hint: 'Pass one --solution per challenge; to test another script, run lab test again with it.',
  },
  SolutionUnreadable: {
    title: 'Cannot read the solution script',
    message: (file: string, detail: string) => `--solution ${file}: ${detail}.`,
    hint: 'The path is relative to the folder lab test runs in.',
  },
  SolutionEmpty: {
    title: 'Solution script has no command',
    message: (file: string) => `--solution ${file} holds only blank lines, comments and \`# session:\` lines.`,
    hint: 'Write the commands that solve the challenge, as in a `.solution-NN.sh` file.',
  },
  PlaygroundStateUnsafe: {
    title: 'Playground state folder is not private',
    message: (dir: string) => `${dir} is not a folder of yours that only you can enter (mode 0700): its control sockets would let others run commands in your playgrounds.`,
    hint: (dir: string) => `Remove it or fix its owner and mode (\`chmod 700 ${dir}\`), or set LABKIT_PLAYGROUND_DIR to a private folder.`,
  },
  PlaygroundNotRunning: {
    title: 'No such playground',
    message: (id: string) => `No running playground \`${id}\`.`,
    hint: 'Run `lab playground list` to see the running ones, or `lab playground start <playground|item>` to start one.',
  },
  PlaygroundTargetUnknown: {
    title: 'Nothing to start',
    message: (target: string, known: string) => `\`${target}\` is neither a playground nor an item with a playground here${known ? ` (playgrounds: ${known})` : ''}.`,
    hint: 'Pass a playground name (`busybox`), an item id (`challenge:x`) or an item folder, from the content folder.',
  },
  PlaygroundStartFailed: {
    title: 'Playground did not start',
    message: (target: string, detail: string) => `Starting ${target} failed: ${detail}`,
    hint: (_target: string, _detail: string) => 'The supervisor log is beside its record in the playground state folder; re-run with LABKIT_DEBUG=1 to keep the VM folders.',
  },
  EventsFileUnwritable: {
    title: 'Cannot write the events file',
    message: (file: string, detail: string) => `Cannot open ${file} to append wide events: ${detail}`,
    hint: 'Pass a path in a folder that exists and that you may write to.',
  },
  StatusNotMirrored: {
    title: 'Task status not written to the machine',
    message: (machine: string, task: string, detail: string) => `Could not write the status of task ${task} to /run/labkit/status/${task} on ${machine}: ${detail}`,
    hint: 'The task itself is unaffected, but `examinerctl task get|wait` in that machine sees a stale status. Check that /run is writable in the guest and that its agent is running.',
  },
  AgentRefused: {
    title: 'The guest agent refused the request',
    message: (machine: string, detail: string) => `Machine \`${machine}\`${REFUSED}${detail}`,
    hint: 'The machine is still running. A refused file write names the reason (a symlink on the path that root does not own is never followed; see docs/security.md).',
  },
  DestinationRefused: {
    title: 'Answer not written to its destination',
    message: (machine: string, task: string, destination: string, detail: string) => `The answer to task ${task} was not written to ${destination} on ${machine}: ${detail}`,
    hint: 'Something in the machine (a symlink at the path or on the way to it) stands where the answer goes. The task is checked again once the path is a plain file or free.',
  },
  GuestInputRefused: {
    title: 'Answer left in the machine refused',
    message: (machine: string, task: string, detail: string) => `The answer to task ${task} found in /run/labkit/input on ${machine} was not taken: ${detail}`,
    hint: 'Answer with `examinerctl task input` (it writes a plain file); a symlink, folder or hard link put there by hand is dropped.',
  },
  UnknownTask: {
    title: 'Unknown task',
    message: (task: string, known: string[]) => `There is no task ${task} in this playground${known.length ? ` (tasks: ${known.join(', ')})` : ''}.`,
    hint: 'Use a task name from the item\'s tasks: map; tasks whose conditions do not match the playground are left out.',
  },
  PlaygroundRequest: {
    title: 'Playground refused the request',
    message: (id: string, detail: string) => `Playground ${id}: ${detail}`,
    hint: 'Check the machine name (`lab playground list` shows them) and the path or port you passed.',
  },
});

/** The agent's reason when `error` is its refusal of a request (`AgentRefused`), else undefined. */
export function agentRefusal(error: unknown): string | undefined {
  if (!isLabkitError(error) || error.code !== 'AgentRefused') return undefined;
  return error.message.slice(error.message.indexOf(REFUSED) + REFUSED.length);
}

function debPackageFor(tool: string): string {
  const map: Record<string, string> = {
    'qemu-system-x86_64': 'qemu-system-x86',
    cpio: 'cpio',
    gcc: 'gcc libc6-dev',
    busybox: 'busybox-static',
    debootstrap: 'debootstrap',
    mke2fs: 'e2fsprogs',
    'apt-get': 'apt',
    'dpkg-deb': 'dpkg',
  };
  return map[tool] ?? tool;
}
