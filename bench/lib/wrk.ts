/** Runs Debian's wrk (a separate process) against one URL and reads its latency percentiles as JSON. */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { pinned } from './processes.js';

const run = promisify(execFile);

export interface LoadResult {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  statuses: Record<string, number>;
}

const LUA = `
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("WRK_CONTENT_TYPE") or "application/json"
local f = io.open(os.getenv("WRK_BODY_FILE"), "rb"); wrk.body = f:read("*a"); f:close()
local h = os.getenv("WRK_HEADER")
if h and h ~= "" then local k, v = h:match("([^:]+):(.*)"); wrk.headers[k] = v end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init() statuses = {} end
if os.getenv("WRK_STATUSES") == "1" then
  function response(status) statuses[status] = (statuses[status] or 0) + 1 end
end
function done(summary, latency, requests)
  local merged = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do merged[tostring(k)] = (merged[tostring(k)] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"p50":%f,"p95":%f,"p99":%f,"errors":%d,"non2xx":%d,"statuses":{%s}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, table.concat(parts, ",")))
end
`;

export function haveWrk(): Promise<boolean> {
  return run('wrk', ['--version']).then(
    () => true,
    (err: { code?: unknown }) => err.code !== 'ENOENT',
  );
}

/** Latencies in ms. `rate` is not supported by wrk: overload uses many connections instead. */
export async function wrk(options: {
  url: string;
  body: string | Buffer;
  connections: number;
  seconds: number;
  workDir: string;
  contentType?: string;
  header?: string;
  threads?: number;
  /** Count responses by status (costs the load generator a Lua call per response). */
  statuses?: boolean;
  /** Run wrk on these CPUs only (`taskset -c`), e.g. to keep it off the server's core. */
  cpus?: string;
}): Promise<LoadResult> {
  const script = path.join(options.workDir, 'post.lua');
  const bodyFile = path.join(options.workDir, 'body.bin');
  await writeFile(script, LUA);
  await writeFile(bodyFile, options.body);
  const [command, args] = pinned(options.cpus, 'wrk', [
    `-t${options.threads ?? 1}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    options.url,
  ]);
  const { stdout } = await run(command, args, {
    env: {
      ...process.env,
      WRK_BODY_FILE: bodyFile,
      WRK_CONTENT_TYPE: options.contentType ?? 'application/json',
      WRK_HEADER: options.header ?? '',
      WRK_STATUSES: options.statuses ? '1' : '0',
    },
    maxBuffer: 1 << 20,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const r = JSON.parse(line.slice(8));
  return {
    rps: r.requests / (r.duration_us / 1e6),
    p50: r.p50 / 1000,
    p95: r.p95 / 1000,
    p99: r.p99 / 1000,
    requests: r.requests,
    non2xx: r.non2xx,
    errors: r.errors,
    statuses: r.statuses,
  };
}
