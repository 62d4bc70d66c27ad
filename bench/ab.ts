/**
 * A/B of the tiny-model path between a git ref and the working tree:
 * `npx tsx bench/ab.ts [REF=HEAD] [ROUNDS=6] [SECONDS=4]`. REF `bare` puts the bare Fastify +
 * onnxruntime-node endpoint of benchmark 1 in A's place (the same comparison as bench 1, pinned).
 * Both servers run at once, pinned to CPU 0 (`taskset`), with wrk pinned to CPU 1 and alternating
 * between them round by round, so a slow moment of a shared machine falls on both; prints each
 * round's req/s and server CPU per request (from /proc) and the medians of the ratios. Pinning cut
 * the run-to-run noise of an A/A comparison on a 2-vCPU VM from ±20 % to ±8 %: effects below that
 * need more rounds. This is a development tool (docs/performance.md, point 7), not a benchmark of
 * record.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { IRIS_PREDICT_BODY, REPO } from './lib/models.js';
import { cpuTimeMs, type Running } from './lib/processes.js';
import { median, print } from './lib/report.js';
import { sampleIrisPredictionLog, startBareFastify, startModelGarden } from './lib/servers.js';
import { wrk } from './lib/wrk.js';

const run = promisify(execFile);
const [ref = 'HEAD', rounds = '6', seconds = '4'] = process.argv.slice(2);

/** utime + stime of a process, in µs. */
async function cpuMicros(pid: number): Promise<number> {
  const { user, system } = await cpuTimeMs(pid);
  return (user + system) * 1000;
}

/** Model Garden from a checkout, pinned to CPU 0, with prediction logging as in bench 1. */
async function start(root: string, dir: string): Promise<Running> {
  const server = await startModelGarden(dir, { cpus: '0', root });
  await sampleIrisPredictionLog(server);
  return server;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-ab-'));
const base = path.join(dir, 'base');
const bare = ref === 'bare';
if (!bare) {
  await run('git', ['-C', REPO, 'worktree', 'add', '--detach', base, ref]);
  await symlink(path.join(REPO, 'node_modules'), path.join(base, 'node_modules'));
}
const servers: Running[] = [];
try {
  const a = bare ? await startBareFastify(dir, { cpus: '0' }) : await start(base, dir);
  servers.push(a);
  const b = await start(REPO, dir);
  servers.push(b);
  const load = (s: Running, secs: number) =>
    wrk({
      url: `${s.url}/api/models/iris/predict`,
      body: IRIS_PREDICT_BODY,
      connections: 16,
      seconds: secs,
      workDir: dir,
      cpus: '1',
    });
  await load(a, 2);
  await load(b, 2);
  const measure = async (s: Running) => {
    const before = await cpuMicros(s.proc.pid!);
    const r = await load(s, Number(seconds));
    return { rps: r.rps, cpuPerRequest: ((await cpuMicros(s.proc.pid!)) - before) / r.requests };
  };
  const rps: number[] = [];
  const cpu: number[] = [];
  print(`A = ${ref}, B = working tree; wrk -c16, ${seconds} s per run
`);
  print('| Round | A req/s | B req/s | B/A req/s | A µs/req | B µs/req | B/A CPU |');
  print('|---:|---:|---:|---:|---:|---:|---:|');
  for (let i = 1; i <= Number(rounds); i++) {
    const ra = await measure(a);
    const rb = await measure(b);
    rps.push(rb.rps / ra.rps);
    cpu.push(rb.cpuPerRequest / ra.cpuPerRequest);
    print(
      `| ${i} | ${ra.rps.toFixed(0)} | ${rb.rps.toFixed(0)} | ${rps.at(-1)!.toFixed(2)} | ${ra.cpuPerRequest.toFixed(0)} | ${rb.cpuPerRequest.toFixed(0)} | ${cpu.at(-1)!.toFixed(2)} |`,
    );
  }
  print(`\nMedian B/A: ${median(rps).toFixed(2)}× req/s, ${median(cpu).toFixed(2)}× CPU per request`);
} finally {
  for (const s of servers) await s.stop();
  if (!bare) await run('git', ['-C', REPO, 'worktree', 'remove', '--force', base]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
}
