/**
 * An open-loop load generator (its own process): sends POSTs at a fixed rate whatever the server's
 * pace, and reports latencies per status, so overload shows as fast 429s rather than a slower client.
 * Usage: tsx bench/lib/open-loop.ts URL BODY_FILE RATE SECONDS  → one JSON line on stdout.
 */

import { readFileSync } from 'node:fs';
import { Pool } from 'undici';

const [url, bodyFile, rate, seconds] = [
  process.argv[2]!,
  process.argv[3]!,
  Number(process.argv[4]),
  Number(process.argv[5]),
];
const body = readFileSync(bodyFile);
const target = new URL(url);
// undici rather than node:http: the generator shares a 2-core machine with the server, and undici
// spends a fraction of node:http's CPU per request.
const pool = new Pool(target.origin, { connections: 512, keepAliveTimeout: 30_000 });
const latencies = new Map<string, number[]>();
let sent = 0;
let failed = 0;

function fire(): void {
  const start = performance.now();
  sent++;
  pool
    .request({
      path: target.pathname + target.search,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    .then(async (res) => {
      await res.body.dump();
      const key = String(res.statusCode);
      const list = latencies.get(key) ?? [];
      latencies.set(key, list);
      list.push(performance.now() - start);
    })
    .catch(() => failed++);
}

const began = performance.now();
const tick = setInterval(() => {
  const due = Math.floor(((performance.now() - began) / 1000) * rate);
  while (sent < due) fire();
}, 1);
setTimeout(() => {
  clearInterval(tick);
  const elapsed = (performance.now() - began) / 1000;
  setTimeout(() => {
    const pct = (xs: number[], p: number) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
    };
    const statuses = Object.fromEntries(
      [...latencies].map(([k, xs]) => [k, { count: xs.length, p50: pct(xs, 50), p99: pct(xs, 99) }]),
    );
    // Admitted: every answer but a 429 (a 504 or 503 after queueing was admitted, then failed).
    const admittedXs = [...latencies].filter(([k]) => k !== '429').flatMap(([, xs]) => xs);
    const admitted = { count: admittedXs.length, p50: pct(admittedXs, 50), p99: pct(admittedXs, 99) };
    process.stdout.write(
      `${JSON.stringify({ offeredRps: sent / elapsed, sent, failed, statuses, admitted })}\n`,
    );
    process.exit(0);
  }, 2000);
}, seconds * 1000);
