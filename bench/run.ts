/**
 * `npm run bench [-- tiny batching cnn overload | logging | drift | startup | llm | llm-soak | retrieval]`: runs each benchmark side by side in one
 * invocation, servers in their own processes, load from wrk (a separate process), on loopback.
 * BENCH_SECONDS sets each measurement's length (default 10); benchmark 1 splits it over BENCH_ROUNDS
 * interleaved rounds per system (default 5).
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runBatching } from './batching.js';
import { runCnn } from './cnn.js';
import { runDrift } from './drift.js';
import { print } from './lib/report.js';
import { haveWrk } from './lib/wrk.js';
import { runLlm, runLlmSoak } from './llm.js';
import { runLogging } from './logging.js';
import { runOverload } from './overload.js';
import { runRetrieval } from './retrieval.js';
import { runStartup } from './startup.js';
import { runTiny } from './tiny.js';

const ALL = {
  tiny: runTiny,
  batching: runBatching,
  cnn: runCnn,
  overload: runOverload,
  logging: runLogging,
  drift: runDrift,
  startup: runStartup,
  llm: runLlm,
  'llm-soak': runLlmSoak,
  retrieval: runRetrieval,
} as const;
/** Run only when named: they measure the prediction log, drift and start-up, not serving. */
const ON_REQUEST = new Set(['logging', 'drift', 'startup', 'llm', 'llm-soak', 'retrieval']);
const chosen = process.argv.slice(2).filter((a) => a in ALL) as Array<keyof typeof ALL>;
const names =
  chosen.length > 0
    ? chosen
    : (Object.keys(ALL) as Array<keyof typeof ALL>).filter((n) => !ON_REQUEST.has(n));

// The LLM gateway benchmark drives its own load (streams need an SSE client), and the retrieval one
// calls the service in-process: neither needs wrk.
if (names.some((n) => n !== 'llm' && n !== 'llm-soak' && n !== 'retrieval') && !(await haveWrk())) {
  print('wrk is not installed (apt-get install -y wrk); every benchmark needs it, so none ran.');
  process.exit(0);
}
const workDir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-bench-'));
print(`# Model Garden benchmarks — ${new Date().toISOString()}`);
print(
  `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}; work dir ${workDir}\n`,
);
for (const name of names) {
  const dir = await mkdtemp(path.join(workDir, `${name}-`));
  await ALL[name](dir);
}
