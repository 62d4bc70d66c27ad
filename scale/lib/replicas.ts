/** Model Garden replicas as separate processes over one PostgreSQL database and one shared DATA_DIR. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO = path.resolve(import.meta.dirname, '..', '..');

export interface Replica {
  index: number;
  port: number;
  url: string;
  proc: ChildProcess;
}

export interface ReplicaOptions {
  databaseUrl: string;
  dataDir: string;
  logDir: string;
  /**
   * Start at this nice level and return to 0 once ready. On one shared 2-core machine a starting
   * replica's start-up work (loading modules, opening sessions) takes CPU from the replica serving
   * the traffic; a new pod has a CPU budget of its own. Used for the restarts of the rolling restart.
   */
  niceUntilReady?: number;
}

/** Sets the nice level of every thread of a process (Linux niceness is per thread). */
function renice(pid: number, level: number): void {
  let tids: string[] = [String(pid)];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    // not Linux: the process's main thread only
  }
  for (const tid of tids) {
    try {
      os.setPriority(Number(tid), level);
    } catch {
      // a thread that has exited, or no permission to raise priority again (not root)
    }
  }
}

/** The bootstrap admin key every replica accepts (loopback-only runs; never a real secret). */
export const SCALE_ADMIN_KEY = 'scale-run-admin-key-0123456789abcdef';

/** Starts the real server (`apps/server`'s main) on `port` and resolves once /health/ready is 200. */
export async function startReplica(index: number, port: number, options: ReplicaOptions): Promise<Replica> {
  const log = createWriteStream(path.join(options.logDir, `replica-${index}-${Date.now()}.log`));
  // The built server when there is one (`npm run build`; starts faster), else the sources through tsx.
  const built = path.join(REPO, 'apps/server/dist/main.js');
  const args = existsSync(built) ? [built] : ['--import', 'tsx', 'apps/server/src/main.ts'];
  const proc = spawn(process.execPath, args, {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      DATABASE_URL: options.databaseUrl,
      LOG_LEVEL: 'warn',
      ORT_INTRA_OP_THREADS: '1',
      SHUTDOWN_TIMEOUT_MS: '10000',
      // Writes need credentials: the runs push with this bootstrap admin key.
      MODELGARDEN_ADMIN_KEY: SCALE_ADMIN_KEY,
    },
  });
  proc.stdout?.pipe(log);
  proc.stderr?.pipe(log);
  if (options.niceUntilReady !== undefined && proc.pid !== undefined)
    renice(proc.pid, options.niceUntilReady);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`replica ${index} exited (${proc.exitCode}); see ${options.logDir}`);
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) {
      if (options.niceUntilReady !== undefined && proc.pid !== undefined) renice(proc.pid, 0);
      return { index, port, url, proc };
    }
    if (Date.now() > deadline)
      throw new Error(`replica ${index} not ready after 120 s; see ${options.logDir}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Sends `signal` and resolves with the exit code once the process has exited. */
export function stopReplica(replica: Replica, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    if (replica.proc.exitCode !== null || replica.proc.signalCode !== null)
      return resolve(replica.proc.exitCode);
    replica.proc.once('exit', (code) => resolve(code));
    replica.proc.kill(signal);
  });
}

/** The in-flight request gauge of one replica, less the scrape request itself. */
export async function activeRequests(replica: Replica): Promise<number> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  const line = /^http_server_active_requests (\S+)$/m.exec(text);
  return Math.max(0, Number(line?.[1] ?? 0) - 1);
}
