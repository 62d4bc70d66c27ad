/**
 * `npm run bench -- startup`: how long `npm start` takes to be ready on a built checkout, fresh (an
 * empty data directory: the database restored from the build's template, the demo models pushed)
 * and warm (the same directory again), with the server's CPU time to ready (all threads, and the
 * main thread alone: on two cores the total bounds the wall time) and its resident memory at ready
 * and over the following idle seconds. The server runs as `node scripts/start.mjs` (what `npm start` runs, so the
 * pid is the server's); `npm start` itself is timed once more warm, npm's own start included.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
// @ts-expect-error: a plain .mjs script without types
import { buildIsCurrent } from '../scripts/start.mjs';
import { REPO } from './lib/models.js';
import { cpuTimeMs } from './lib/processes.js';
import { print } from './lib/report.js';

const IDLE_S = Number(process.env.BENCH_STARTUP_IDLE_S ?? 10);
let nextPort = Number(process.env.BENCH_PORT_BASE ?? 18_100) + 600;

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** CPU time (user + system) of the process, all its threads, and of its main thread alone, in ms. */
async function cpuMs(pid: number): Promise<{ all: number; main: number }> {
  const total = async (tid?: number) => {
    const t = await cpuTimeMs(pid, tid).catch(() => ({ user: Number.NaN, system: Number.NaN }));
    return t.user + t.system;
  };
  return { all: await total(), main: await total(pid) };
}

async function start(
  command: string,
  args: string[],
  dataDir: string,
  log: string,
): Promise<{ proc: ChildProcess; url: string; readyMs: number }> {
  const port = nextPort++;
  const url = `http://127.0.0.1:${port}`;
  // Something already answering there (a server left by an earlier run) would be timed instead.
  const taken = await fetch(`${url}/health/live`).then(
    () => true,
    () => false,
  );
  if (taken) throw new Error(`port ${port} is already in use; set BENCH_PORT_BASE`);
  const fd = openSync(log, 'w');
  const t0 = performance.now();
  // Its own process group, so that stopping `npm start` stops the server npm runs too (npm exits on
  // SIGTERM and left its child listening).
  const proc = spawn(command, args, {
    detached: true,
    cwd: REPO,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_FORMAT: 'json', DATABASE_URL: '' },
  });
  closeSync(fd);
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${command} exited (${proc.exitCode}); see ${log}`);
    const ok = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { proc, url, readyMs: performance.now() - t0 };
    if (performance.now() - t0 > 60_000) throw new Error(`not ready after 60 s; see ${log}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function stop(proc: ChildProcess): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    if (proc.exitCode !== null) return resolve(0);
    proc.once('exit', () => resolve(performance.now() - t0));
    process.kill(-proc.pid!, 'SIGTERM');
  });
}

export async function runStartup(dir: string): Promise<void> {
  print(`## Start-up — ready time and resident memory (RSS) of the server, then ${IDLE_S} s idle\n`);
  if (!buildIsCurrent()) {
    print('The build is not current (run `npm run build` first): skipped, it would time a build.\n');
    return;
  }
  const dataDir = path.join(dir, 'data');
  print(
    '| Start | ready ms | CPU to ready ms, all threads / main thread | RSS at ready MB | RSS each second while idle, MB | exit after SIGTERM ms |',
  );
  print('|---|---:|---:|---:|---|---:|');
  for (const kind of ['fresh', 'warm']) {
    const s = await start(process.execPath, ['scripts/start.mjs'], dataDir, path.join(dir, `${kind}.log`));
    const cpu = await cpuMs(s.proc.pid!);
    const atReady = await rssMb(s.proc.pid!);
    const idle: number[] = [];
    for (let i = 0; i < IDLE_S; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      idle.push(await rssMb(s.proc.pid!));
    }
    const exitMs = await stop(s.proc);
    print(
      `| ${kind} | ${s.readyMs.toFixed(0)} | ${cpu.all.toFixed(0)} / ${cpu.main.toFixed(0)} | ${atReady.toFixed(0)} | ${idle.map((x) => x.toFixed(0)).join(' ')} | ${exitMs.toFixed(0)} |`,
    );
  }
  const npm = await start('npm', ['start', '--silent'], dataDir, path.join(dir, 'npm-start.log'));
  await stop(npm.proc);
  print(`| warm, \`npm start\` (npm's own start included) | ${npm.readyMs.toFixed(0)} | | | | |`);
  print('');
}
