/** Starting and stopping the servers under test, each in its own process, and waiting for them. */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface Running {
  proc: ChildProcess;
  url: string;
  stop(): Promise<void>;
  /** Resident memory of the server process in MB (from /proc). */
  rssMb(): Promise<number>;
}

/** Linux's USER_HZ: /proc reports CPU time in these ticks. */
const CLOCK_TICKS = 100;

/**
 * CPU time a process has used, in ms, from /proc: user (JS, V8, libuv) and system (the kernel:
 * socket reads and writes), summed over every thread — or of one thread alone when `tid` is given.
 */
export async function cpuTimeMs(pid: number, tid?: number): Promise<{ user: number; system: number }> {
  const stat = await readFile(
    tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`,
    'utf8',
  );
  // utime and stime, after the command name (which may hold spaces) in parentheses
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    user: (Number(fields[11]) * 1000) / CLOCK_TICKS,
    system: (Number(fields[12]) * 1000) / CLOCK_TICKS,
  };
}

/** `command args`, run through `taskset -c cpus` when `cpus` is given (pinned A/B runs, bench/ab.ts). */
export function pinned(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  return cpus === undefined ? [command, args] : ['taskset', ['-c', cpus, command, ...args]];
}

export async function startProcess(
  command: string,
  args: string[],
  url: string,
  healthPath: string,
  logFile: string,
  env?: Record<string, string>,
): Promise<Running> {
  // The server writes its log straight to the file: a pipe read by this process would make the
  // benchmark's own parent process part of what is measured (woken for every log line).
  const log = openSync(logFile, 'w');
  const proc = spawn(command, args, { stdio: ['ignore', log, log], env: { ...process.env, ...env } });
  closeSync(log);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`${command} ${args.join(' ')} exited (${proc.exitCode}); see ${logFile}`);
    try {
      const res = await fetch(url + healthPath);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${command} did not become ready; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    proc,
    url,
    async rssMb() {
      const { readFile } = await import('node:fs/promises');
      const status = await readFile(`/proc/${proc.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
      }),
  };
}
