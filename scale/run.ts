/**
 * `npm run scale [-- --short]`: N replicas of the real server over one PostgreSQL database and one
 * artifact directory, behind nginx, under load from other processes. Measures 1 vs 2 replicas, a
 * rolling restart, a SIGKILL under load, and the autoscaling signal; docs/deploy/scaling.md has results.
 * 1 vs 2 is measured twice: on iris (HTTP handling dominates) and on a generated compute-bound model
 * (one core of onnxruntime work per request and replica).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { wrk } from '../bench/lib/wrk.js';
import { Balancer } from './lib/balancer.js';
import {
  COMPUTE_BODY,
  COMPUTE_CONFIG,
  COMPUTE_LAYERS,
  COMPUTE_MODEL,
  COMPUTE_WIDTH,
  setUpComputeModel,
} from './lib/compute.js';
import { openLoop, summarise } from './lib/load.js';
import { checkRegistry, pushLoop } from './lib/registry-check.js';
import { type Replica, SCALE_ADMIN_KEY, startReplica, stopReplica } from './lib/replicas.js';
import { freePort, hpaTarget, withDatabase } from './lib/setup.js';
import { sampleActive } from './lib/signal.js';

const short = process.argv.includes('--short');
const T = short
  ? { sweep: [1, 4, 16], sweepS: 2, wrkS: 4, steadyS: 6, rollS: 30, killS: 10, stepS: 6 }
  : { sweep: [1, 2, 4, 8, 16, 32], sweepS: 4, wrkS: 10, steadyS: 15, rollS: 45, killS: 20, stepS: 20 };
const IRIS = JSON.stringify({
  inputs: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
});
// A hard check is correctness (failed requests, lost writes, unclean exits, a gauge that never comes
// back down) and fails the run; a timing check depends on the machine's speed and load and is only
// reported: this runs in CI on shared machines (here: 2 cores).
const checks: Array<{ name: string; ok: boolean; detail: string; timing: boolean }> = [];
const check = (name: string, ok: boolean, detail: string, timing = false) =>
  checks.push({ name, ok, detail, timing });
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await withDatabase(async (databaseUrl) => {
  const work = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-scale-'));
  const dataDir = path.join(work, 'data');
  const opts = { databaseUrl, dataDir, logDir: work };
  const ports = [await freePort(), await freePort()];
  const replicas: Replica[] = [];
  const balancer = new Balancer(path.join(work, 'nginx'), await freePort());
  try {
    say(
      `# Model Garden scale run (${short ? 'short' : 'full'}), ${os.cpus().length} cores, work dir ${work}`,
    );
    // Replica 0 first: it migrates the database and registers the demo models; then the others.
    for (const [i, port] of ports.entries()) replicas.push(await startReplica(i, port, opts));
    await fetch(`${replicas[0]!.url}/api/models/iris/prediction-logging`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${SCALE_ADMIN_KEY}` },
      body: JSON.stringify({ enabled: true, sampleRate: 0.01 }),
    }).catch(() => undefined);
    const predict = (base: string) => `${base}/api/models/iris/predict`;

    // Capacity of one replica: closed-loop concurrency sweep straight at it.
    const sweep: Array<{ c: number; rps: number; p99: number }> = [];
    for (const c of T.sweep) {
      const r = await wrk({
        url: predict(replicas[0]!.url),
        body: IRIS,
        connections: c,
        seconds: T.sweepS,
        workDir: work,
      });
      sweep.push({ c, rps: r.rps, p99: r.p99 });
      say(`sweep c=${c}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(1)} ms`);
    }
    const max = Math.max(...sweep.map((s) => s.rps));
    const knee = sweep.find((s) => s.rps >= 0.9 * max)!.c;
    say(
      `capacity: ${max.toFixed(0)} req/s at ${knee} in flight (first concurrency within 90 % of the best); 70 % → target ${Math.max(1, Math.round(0.7 * knee))}`,
    );

    // 1 vs 2 replicas through the balancer.
    await balancer.start([{ port: ports[0]! }]);
    const one = await wrk({
      url: predict(balancer.url),
      body: IRIS,
      connections: 16,
      seconds: T.wrkS,
      workDir: work,
    });
    await balancer.update(ports.map((port) => ({ port })));
    const two = await wrk({
      url: predict(balancer.url),
      body: IRIS,
      connections: 16,
      seconds: T.wrkS,
      workDir: work,
    });
    say(
      `1 replica: ${one.rps.toFixed(0)} req/s (p99 ${one.p99.toFixed(1)} ms); 2 replicas: ${two.rps.toFixed(0)} req/s (p99 ${two.p99.toFixed(1)} ms); ratio ${(two.rps / one.rps).toFixed(2)}`,
    );
    check(
      '1 vs 2 replicas answered without errors',
      one.errors + one.non2xx + two.errors + two.non2xx === 0,
      `${one.non2xx + two.non2xx} non-2xx`,
    );

    // 1 vs 2 replicas where inference dominates: a generated MatMul chain (~1 ms of one core a row), one
    // onnxruntime thread and no batching per replica, called over OIP. The load generator's and nginx's
    // share per request is small next to the inference, so the second replica has a core to use.
    const compute = await setUpComputeModel(balancer.url, replicas);
    const infer = `${balancer.url}/v2/models/${COMPUTE_MODEL}/infer`;
    const computeRun = () =>
      wrk({ url: infer, body: COMPUTE_BODY, connections: 8, seconds: T.wrkS, workDir: work });
    // One request at a time straight at a replica: the service time, so 1000/p50 is one core's ceiling.
    const serial = await wrk({
      url: `${replicas[0]!.url}/v2/models/${COMPUTE_MODEL}/infer`,
      body: COMPUTE_BODY,
      connections: 1,
      seconds: T.sweepS,
      workDir: work,
    });
    await balancer.update([{ port: ports[0]! }]);
    const cOne = await computeRun();
    await balancer.update(ports.map((port) => ({ port })));
    const cTwo = await computeRun();
    const fmt = (r: typeof cOne) =>
      `${r.rps.toFixed(0)} req/s (p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms)`;
    say(
      `compute-bound (${COMPUTE_MODEL}: ${COMPUTE_LAYERS} × MatMul ${COMPUTE_WIDTH}×${COMPUTE_WIDTH} + Abs, ${(compute.bytes / 1024).toFixed(0)} KiB; ${JSON.stringify(COMPUTE_CONFIG)}; OIP infer, wrk c=8 through nginx): 1 replica ${fmt(cOne)}; 2 replicas ${fmt(cTwo)}; ratio ${(cTwo.rps / cOne.rps).toFixed(2)} on ${os.cpus().length} cores (1-min load average ${os.loadavg()[0]!.toFixed(1)}); one at a time straight at a replica ${fmt(serial)}`,
    );
    check(
      'compute-bound 1 vs 2 replicas answered without errors',
      [serial, cOne, cTwo].every((r) => r.errors + r.non2xx === 0),
      `${serial.non2xx + cOne.non2xx + cTwo.non2xx} non-2xx, ${serial.errors + cOne.errors + cTwo.errors} socket errors`,
    );

    // Steady state, then a rolling restart at the same open-loop rate.
    // Steady load well inside one replica's capacity: during a restart one replica carries it all, while
    // the load generator, nginx and the starting replica share the same cores.
    const rate = Math.round(0.1 * one.rps);
    const steady = summarise(await openLoop(predict(balancer.url), IRIS, rate, T.steadyS, work));
    say(
      `steady ${rate} req/s: p50 ${steady.p50.toFixed(1)} ms, p99 ${steady.p99.toFixed(1)} ms, ${steady.failed} failed ${steady.statuses}`,
    );
    const rolling = openLoop(predict(balancer.url), IRIS, rate, T.rollS, work);
    const exits: Array<number | null> = [];
    const t0 = Date.now();
    await sleep(2000);
    for (const [i, port] of ports.entries()) {
      // SIGTERM → the replica stops accepting and drains; nginx sees refused connections and retries
      // the other one. No balancer reload: nginx closing idle client keep-alives on reload races with
      // clients (measured: a few dozen resets per reload), which a Kubernetes Service does not do.
      exits.push(await stopReplica(replicas[i]!, 'SIGTERM'));
      // Started below normal priority until ready: a new pod's start-up runs on its own CPU budget,
      // not on the serving replica's (here both share two cores).
      replicas[i] = await startReplica(i, port, { ...opts, niceUntilReady: 10 });
      await sleep(1000);
    }
    const rollMs = Date.now() - t0;
    const roll = summarise(await rolling);
    say(
      `rolling restart (${(rollMs / 1000).toFixed(1)} s, inside a ${T.rollS} s run): ${roll.ok} ok, ${roll.failed} failed ${roll.statuses}, p99 ${roll.p99.toFixed(1)} ms = ${(roll.p99 / steady.p99).toFixed(2)}× steady; exit codes ${exits.join(', ')}`,
    );
    check(
      'rolling restart: zero failed requests',
      roll.failed === 0,
      `${roll.failed} failed of ${roll.ok + roll.failed}`,
    );
    check(
      'rolling restart: every replica drained and exited 0',
      exits.every((c) => c === 0),
      exits.join(', '),
    );
    check(
      'rolling restart: p99 within 2× of steady state',
      roll.p99 <= 2 * steady.p99,
      `${roll.p99.toFixed(1)} vs ${steady.p99.toFixed(1)} ms`,
      true,
    );

    // SIGKILL one replica under prediction load while pushes go on.
    const pushes = pushLoop(balancer.url, 'scale-push');
    const killLoad = openLoop(predict(balancer.url), IRIS, rate, T.killS, work);
    await sleep((T.killS * 1000) / 3);
    await stopReplica(replicas[1]!, 'SIGKILL');
    const kill = summarise(await killLoad);
    const pushed = await pushes.stop();
    replicas[1] = await startReplica(1, ports[1]!, opts);
    const registry = await checkRegistry(balancer.url, 'scale-push', pushed.accepted, dataDir);
    say(
      `SIGKILL under load: predictions ${kill.ok} ok, ${kill.failed} failed ${kill.statuses}; pushes ${pushed.accepted.length} accepted, ${pushed.refused} refused; ${registry.summary}`,
    );
    check('SIGKILL: the balancer retried every prediction', kill.failed === 0, `${kill.failed} failed`);
    check(
      'SIGKILL: every accepted push is present, registry consistent',
      registry.problems.length === 0,
      registry.problems.join('; ') || registry.summary,
    );

    // Autoscaling signal: 1× → 5× → idle, the per-pod in-flight gauge read from each replica's /metrics.
    // 1× is a fifth of what the two replicas served closed-loop, so 5× is their capacity: the load at
    // which an HPA aiming at ~70 % of a pod's capacity must add pods.
    const target = await hpaTarget();
    const base = Math.round(0.2 * two.rps);
    const phases: Record<string, number[]> = {};
    const offered: number[] = [];
    for (const [phase, r] of [
      ['1x', base],
      ['5x', 5 * base],
      ['after', 0],
    ] as const) {
      const sampler = sampleActive(replicas);
      if (r > 0) offered.push((await openLoop(predict(balancer.url), IRIS, r, T.stepS, work)).offeredRps);
      else await sleep(2 * T.stepS * 1000);
      phases[phase] = await sampler.stop();
    }
    // The HPA reads a 1-minute average; "back down" is judged on the second half of the idle phase.
    phases.after = phases.after!.slice(Math.floor(phases.after!.length / 2));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const line = Object.entries(phases).map(
      ([p, xs]) => `${p} mean ${mean(xs).toFixed(1)} max ${Math.max(0, ...xs)}`,
    );
    say(
      `autoscaling signal (per-pod average of http_server_active_requests, HPA target ${target}; 1× = ${base} req/s, offered ${offered.map((o) => o.toFixed(0)).join(' → ')} req/s): ${line.join('; ')}`,
    );
    // How far 5× and 1× push the gauge depends on the machine (the generator shares its cores).
    check(
      'autoscaling: 5× load puts the signal above the HPA target',
      mean(phases['5x']!) > target,
      line.join('; '),
      true,
    );
    check('autoscaling: 1× load stays below it', mean(phases['1x']!) < target, line.join('; '), true);
    // With no load at all the gauge must come back down, or an HPA would never scale in.
    check('autoscaling: idle, the signal is back below it', mean(phases.after!) < target, line.join('; '));
  } finally {
    await balancer.stop();
    for (const r of replicas) await stopReplica(r, 'SIGTERM');
    await rm(work, { recursive: true, force: true });
  }
});

for (const c of checks)
  say(`${c.timing ? (c.ok ? 'ok  ' : 'SLOW') : c.ok ? 'PASS' : 'FAIL'} ${c.name} — ${c.detail}`);
// Timing on a shared machine: reported, never a reason to fail (docs/deploy/scaling.md).
const hard = checks.filter((c) => !c.timing);
const failed = hard.filter((c) => !c.ok).length;
const slow = checks.filter((c) => c.timing && !c.ok).length;
say(
  `scale: ${hard.length - failed} passed, ${failed} failed; timing (reported only): ${slow} of ${checks.length - hard.length} off`,
);
process.exit(failed === 0 ? 0 : 1);
