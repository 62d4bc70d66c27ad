/** Load from other processes: the benchmark harness's open-loop generator and wrk (bench/lib). */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './replicas.js';

const run = promisify(execFile);

export interface OpenLoopResult {
  offeredRps: number;
  sent: number;
  /** Connection errors (no HTTP answer at all). */
  failed: number;
  statuses: Record<string, { count: number; p50: number; p99: number }>;
}

/** POSTs `body` at a fixed rate for `seconds` from its own process (bench/lib/open-loop.ts). */
export async function openLoop(url: string, body: string, rate: number, seconds: number, workDir: string) {
  const file = path.join(workDir, `body-${rate}-${seconds}.json`);
  await writeFile(file, body);
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(REPO, 'bench/lib/open-loop.ts'), url, file, String(rate), String(seconds)],
    { cwd: REPO, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as OpenLoopResult;
}

/** Requests that did not get a 2xx (429 counts: a client saw a refusal), and the 2xx p99 in ms. */
export function summarise(r: OpenLoopResult) {
  let ok = 0;
  let failed = r.failed;
  for (const [status, s] of Object.entries(r.statuses)) {
    if (status.startsWith('2')) ok += s.count;
    else failed += s.count;
  }
  const counts = Object.entries(r.statuses).map(([status, s]) => `${status}×${s.count}`);
  if (r.failed) counts.push(`no-answer×${r.failed}`);
  return {
    ok,
    failed,
    p99: r.statuses['200']?.p99 ?? Number.NaN,
    p50: r.statuses['200']?.p50 ?? Number.NaN,
    statuses: `(${counts.join(' ')})`,
  };
}
