/** The real process (`main.ts`) as a child, for tests that signal or kill it. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const MAIN = path.resolve(import.meta.dirname, '..', 'main.ts');

export interface ChildServer {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Starts main.ts on `dataDir` (embedded PGlite, any free port) and resolves once it logs its URL. */
export function startMainProcess(dataDir: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
      ANONYMOUS_LOOPBACK_WRITES: 'true',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(line);
      if (match) resolve({ child, url: match[1]!, exited });
    });
    child.on('exit', (code) => reject(new Error(`server exited early with ${code}`)));
  });
}

/** Polls /health/ready until it answers 200 (30 s at most). */
export async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const res = await fetch(`${url}/health/ready`).catch(() => null);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('not ready after 30 s');
}
