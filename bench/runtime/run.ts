// Runtime benchmark: prints figures, asserts nothing (the CPU is shared).
//
//   node bench/runtime/run.ts [--vms 16] [--cold 10] [--warm 50] [--pool 10] [--docker N] [--only docker] [--lab-test]
//
// - cold: spawn QEMU → first check result (boot + agent hello + `true`), median of N
// - warm: one check round trip on a booted VM, median of N
// - pool: provision a playground from a filled pool → first check result, median of N
// - rss:  peak RSS (VmHWM) and PSS per VM with `--vms` VMs up at once
// - docker (--docker N [--docker-cold K] [--only docker]): the docker
//   playground: image build (cold, from the image's manifest, and cached),
//   cold boot to Docker ready (K times), start from saved state → first
//   check result (busybox and docker, N times each), first check from a pool
//   of docker machines, and RSS/PSS per machine with N up at once
// Targets on the reference machines: cold ≤ 1.5 s, warm ≤ 40 ms, pool ≤ 100 ms, ≤ 160 MiB per VM.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { builtinPlaygrounds } from '../../packages/sdk/src/index.ts';
import { QemuMachine, QemuProvider, VmPool, buildImage, chooseAccelerator, playgroundImage, playgroundMachines, type RunningPlayground, testChallenges, phaseBreakdown, DEFAULT_SETTLE_MS, type TestPhase, type WideEvent } from '../../packages/runtime/src/index.ts';

const { values } = parseArgs({
  options: {
    vms: { type: 'string', default: '16' },
    cold: { type: 'string', default: '10' },
    warm: { type: 'string', default: '50' },
    pool: { type: 'string', default: '10' },
    docker: { type: 'string', default: '0' },
    'docker-cold': { type: 'string', default: '1' },
    only: { type: 'string' },
    'lab-test': { type: 'boolean', default: false },
  },
});
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (xs: number[]) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}, n=${xs.length})`;
const kib = (pid: number, field: string, file = 'status') => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'))?.[1] ?? 0);

const image = await buildImage();
const accel = await chooseAccelerator(image);
console.log(`labkit runtime bench · accel ${accel} · ${os.cpus().length} cores · load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`image ${image.digest} (${image.kernelPackage})`);

// 1. cold boot to first result
if (values.only !== 'docker') {
const cold: number[] = [];
for (let i = 0; i < Number(values.cold); i++) {
  const t = performance.now();
  const vm = await QemuMachine.boot({ name: 'cold', image, accel });
  await vm.exec({ script: 'true', timeoutMs: 10_000 });
  cold.push(performance.now() - t);
  await vm.dispose();
}
console.log(`cold boot → first result: ${fmt(cold)}   target ≤ 1500 ms`);
}

// 2. warm round trip
if (values.only !== 'docker') {
  const vm = await QemuMachine.boot({ name: 'warm', image, accel });
  for (let i = 0; i < 5; i++) await vm.exec({ script: 'true', timeoutMs: 10_000 }); // warm the translation cache
  const warm: number[] = [];
  for (let i = 0; i < Number(values.warm); i++) {
    const t = performance.now();
    await vm.exec({ script: 'true', timeoutMs: 10_000 });
    warm.push(performance.now() - t);
  }
  await vm.dispose();
  console.log(`warm check round trip:    ${fmt(warm)}   target ≤ 40 ms`);
}

// 3. first check from the pool (the boot was paid before the learner came)
if (values.only !== 'docker') {
  const base = new QemuProvider({ accel, images: { busybox: image } });
  const pool = new VmPool(base, { size: 1 });
  const provider = new QemuProvider({ accel, images: { busybox: image }, pool });
  const fromPool: number[] = [];
  for (let i = 0; i < Number(values.pool); i++) {
    await pool.fill();
    const t = performance.now();
    const playground = await provider.provision({ machines: [{ name: 'learner' }] });
    await playground.machines[0]!.exec({ script: 'true', timeoutMs: 10_000 });
    fromPool.push(performance.now() - t);
    await playground.dispose();
  }
  await pool.dispose();
  console.log(`first check from pool:    ${fmt(fromPool)}   target ≤ 100 ms`);
}

// 4. memory with N VMs up at once (booted 4 at a time so boots do not time out)
if (values.only !== 'docker') {
  const n = Number(values.vms);
  const vms: QemuMachine[] = [];
  for (let i = 0; i < n; i += 4) {
    vms.push(...(await Promise.all(Array.from({ length: Math.min(4, n - i) }, (_, k) => QemuMachine.boot({ name: `vm${i + k}`, image, accel, bootTimeoutMs: 300_000 })))));
  }
  await Promise.all(vms.map((vm) => vm.exec({ script: 'ls -R / >/dev/null 2>&1; ps >/dev/null', timeoutMs: 60_000 })));
  const hwm = vms.map((vm) => kib(vm.pid!, 'VmHWM') / 1024);
  const pss = vms.map((vm) => kib(vm.pid!, 'Pss', 'smaps_rollup') / 1024);
  const fileBacked = vms.map((vm) => kib(vm.pid!, 'RssFile') / 1024);
  console.log(
    `${n} VMs up at once:       peak RSS (VmHWM) median ${median(hwm).toFixed(0)} MiB, max ${Math.max(...hwm).toFixed(0)} MiB; ` +
      `PSS median ${median(pss).toFixed(0)} MiB (file-backed, shared between VMs: ${median(fileBacked).toFixed(0)} MiB)   target ≤ 160 MiB`,
  );
  await Promise.all(vms.map((vm) => vm.dispose()));
}
// 5. the docker playground (--docker N), and starts from saved state for busybox and docker
if (Number(values.docker) > 0) {
  const n = Number(values.docker);
  const entry = builtinPlaygrounds().get('docker')!;
  let t = performance.now();
  const docker = await playgroundImage('docker');
  const cachedMs = performance.now() - t;
  const manifest = JSON.parse(readFileSync(`${docker.dir}/manifest.json`, 'utf8')) as { buildSeconds?: number; builtAt?: string };
  console.log(`docker image: cold build ${manifest.buildSeconds?.toFixed(0) ?? '?'} s (recorded in its manifest at ${manifest.builtAt ?? '?'}; not rebuilt here), cached ${cachedMs.toFixed(0)} ms (digest ${docker.digest})`);
  const machines = playgroundMachines({ name: 'docker' }, entry);
  // The first check of examples/challenges/serve-a-page-from-a-container, as the task engine runs it.
  const dockerCheck = `[ "$(docker inspect -f '{{.State.Running}}' web 2>/dev/null)" = true ] || { echo "No running container named web."; exit 1; }`;
  const warm = `docker ps >/dev/null; ${dockerCheck} >/dev/null 2>&1; true`;
  const phases = (vms: QemuMachine[]) => {
    const keys = ['spawned', 'qmp', 'restored', 'running', 'agent', 'ready'];
    return keys.filter((k) => vms.some((vm) => vm.startPhases[k] !== undefined)).map((k) => `${k} ${median(vms.map((vm) => vm.startPhases[k] ?? 0)).toFixed(0)}`).join(' → ') + ' ms';
  };

  // Cold boot to Docker ready (no saved state): kernel, systemd-less boot, registry and dockerd up.
  {
    const cold = new QemuProvider({ accel, savedStates: false });
    const ready: number[] = [];
    for (let i = 0; i < Number(values['docker-cold']); i++) {
      t = performance.now();
      const pg = await cold.provision({ machines });
      ready.push(performance.now() - t);
      await pg.dispose();
    }
    console.log(`docker cold boot → Docker ready (no saved state): ${fmt(ready)}`);
  }

  // Start from saved state → first check result, for busybox and docker, with a cheap first check (`true`) and the challenge's own.
  const saved = new QemuProvider({ accel, images: { busybox: image } });
  for (const [kind, spec, checks] of [
    ['busybox', [{ name: 'learner' }], [['true', 'true']]],
    ['docker', machines, [['true', 'true'], ['docker inspect (the challenge\'s first check)', dockerCheck]]],
  ] as const) {
    const first = await saved.provision({ machines: [...spec] }); // saves the state if there is none yet
    await first.dispose();
    for (const [label, script] of checks) {
      const total: number[] = [];
      const check: number[] = [];
      const vms: QemuMachine[] = [];
      for (let i = 0; i < n; i++) {
        t = performance.now();
        const pg = await saved.provision({ machines: [...spec] });
        const up = performance.now();
        await pg.machines[0]!.exec({ script, timeoutMs: 60_000 });
        total.push(performance.now() - t);
        check.push(performance.now() - up);
        vms.push(pg.machines[0] as QemuMachine);
        await pg.dispose();
      }
      console.log(`${kind} saved state → first check result (${label}): ${fmt(total)}; of which the check ${median(check).toFixed(0)} ms; start ${phases(vms)}   target ≤ 500 ms`);
    }
  }

  // First check from a pool of docker machines (restored from saved state; warmed with the docker CLI or not).
  for (const [label, script, warmScript] of [
    ['true', 'true', undefined],
    ['docker inspect', dockerCheck, undefined],
    ['docker inspect', dockerCheck, warm],
  ] as const) {
    const ram = machines[0]!.memoryMiB;
    const pool = new VmPool(saved, { size: 1, kind: 'docker', ...(ram ? { memoryMiB: ram } : {}), ...(warmScript ? { warm: warmScript } : {}) });
    const provider = new QemuProvider({ accel, pool });
    const fromPool: number[] = [];
    for (let i = 0; i < n; i++) {
      await pool.fill();
      t = performance.now();
      const pg = await provider.provision({ machines });
      await pg.machines[0]!.exec({ script, timeoutMs: 60_000 });
      fromPool.push(performance.now() - t);
      await pg.dispose();
    }
    await pool.dispose();
    console.log(`docker first check from the pool (${label})${warmScript ? ', pool warmed with the docker CLI' : ''}: ${fmt(fromPool)}   target ≤ 100 ms`);
  }

  // Memory: N machines of each kind up at once, restored from saved state.
  for (const [kind, spec, work] of [
    ['busybox', [{ name: 'learner' }], 'ls -R / >/dev/null 2>&1; ps >/dev/null'],
    ['docker', machines, 'docker run --rm busybox true'],
  ] as const) {
    const up: RunningPlayground[] = [];
    for (let i = 0; i < n; i++) up.push(await saved.provision({ machines: [...spec] }));
    const pids = up.map((pg) => (pg.machines[0] as QemuMachine).pid!);
    const measure = () => {
      const rss = pids.map((pid) => kib(pid, 'VmRSS') / 1024);
      const pss = pids.map((pid) => kib(pid, 'Pss', 'smaps_rollup') / 1024);
      const file = pids.map((pid) => kib(pid, 'RssFile') / 1024 + kib(pid, 'RssShmem') / 1024);
      return `RSS median ${median(rss).toFixed(0)} MiB (max ${Math.max(...rss).toFixed(0)}), PSS ${median(pss).toFixed(0)} MiB, file-backed ${median(file).toFixed(0)} MiB`;
    };
    const idle = measure();
    const ran: number[] = [];
    for (const pg of up) {
      t = performance.now();
      await pg.machines[0]!.exec({ script: work, timeoutMs: 180_000 });
      ran.push(performance.now() - t);
    }
    console.log(`${n} ${kind} machines from saved state: idle ${idle}; after \`${work}\` (${fmt(ran)}): ${measure()}   target ≤ ${kind === 'docker' ? 300 : 160} MiB`);
    await Promise.all(up.map((pg) => pg.dispose()));
  }
}
// 6. lab test (--lab-test): the examples serial and -j 2 with the per-phase
// split from the wide events, and how fast a wrong solution is reported.
if (values['lab-test']) {
  const examples = fileURLToPath(new URL('../../examples', import.meta.url));
  const s = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)} s`;
  for (const concurrency of [1, 2]) {
    const events: WideEvent[] = [];
    const t = performance.now();
    const report = await testChallenges([examples], { concurrency, onEvent: (e) => events.push(e) });
    const wall = performance.now() - t;
    const total: Partial<Record<TestPhase, number>> = {};
    for (const row of phaseBreakdown(events).values()) for (const [p, ms] of Object.entries(row)) total[p as TestPhase] = (total[p as TestPhase] ?? 0) + ms;
    const split = (['boot', 'init', 'precheck', 'solution', 'checks', 'teardown'] as const).map((p) => `${p} ${s(total[p])}`).join(' · ');
    const passed = report.challenges.filter((c) => c.ok).length;
    console.log(`lab test examples -j ${concurrency}: wall ${s(wall)} (${passed}/${report.challenges.length} passed); summed over runs: ${split}`);
  }
  const wrong = fileURLToPath(new URL('../../packages/runtime/test/fixtures/lab-test/wrong-solution', import.meta.url));
  const r = (await testChallenges([wrong], { concurrency: 1 })).challenges[0]!;
  console.log(`wrong solution reported ${s(r.checksMs)} after the solution ended (settle window ${DEFAULT_SETTLE_MS / 1000} s; the check's timeout is 5 s, the old wait 90 s); last output: ${JSON.stringify(r.tasks[0]?.lastOutput)}`);
}
console.log(`load after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
