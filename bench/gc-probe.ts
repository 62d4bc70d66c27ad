/**
 * Major GCs of the server's main thread under a CNN's load: the server runs under `node --trace-gc`
 * (NODE_FLAGS adds more, e.g. --trace-incremental-marking), one benchmark model at an explicit serving
 * config, 32 clients of single-image binary tensors; it prints the main isolate's Mark-Compact count
 * per second and per 100 requests (worker isolates print their own lines: they are left out), their
 * reasons and what started the incremental marking. Usage:
 *
 *   flock -x /tmp/bench.lock env MODEL=resnet18 CONFIG='{"executor":"worker","instances":2,"intraOpThreads":1,"maxBatchSize":4}' \
 *     npx tsx bench/gc-probe.ts          # MODEL=detector (default) | resnet18; CONFIG=defaults leaves it to the tuner; SECONDS_=8
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchModel, binaryInfer, REPO } from './lib/models.js';
import { startProcess } from './lib/processes.js';
import { pushModel, setServingConfig } from './lib/servers.js';
import { wrk } from './lib/wrk.js';

const model = (process.env.MODEL ?? 'detector') as 'detector' | 'resnet18';
const config =
  process.env.CONFIG ?? '{"executor":"worker","instances":2,"intraOpThreads":1,"maxBatchSize":1}';
const seconds = Number(process.env.SECONDS_ ?? 8);
const flags = ['--trace-gc', ...(process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean)];

const dir = await mkdtemp(path.join(os.tmpdir(), 'gc-probe-'));
const port = 19_400 + Math.floor(Math.random() * 50);
const log = path.join(dir, 'server.log');
const server = await startProcess(
  process.execPath,
  [
    ...flags,
    '--import',
    'tsx',
    path.join(REPO, 'bench', 'servers', 'model-garden.ts'),
    String(port),
    path.join(dir, 'data'),
  ],
  `http://127.0.0.1:${port}`,
  '/health/ready',
  log,
);
/** The isolate a trace line is from ("[pid:0x…]"). */
const isolateOf = (line: string) => /\[\d+:(0x[0-9a-f]+)\]/.exec(line)?.[1];
const lines = async () => (await readFile(log, 'utf8')).split('\n');
try {
  const file = await benchModel(model);
  if ('skip' in file) throw new Error(file.skip);
  await pushModel(server, 'm', file.path, { task: 'tensor' });
  if (config !== 'defaults') await setServingConfig(server, 'm', JSON.parse(config));
  const { body, contentType, header } = binaryInfer(
    [1, 3, 224, 224],
    model === 'detector' ? 'heatmap' : 'logits',
  );
  const load = {
    url: `${server.url}/v2/models/m/infer`,
    body,
    connections: 32,
    contentType,
    header,
    workDir: dir,
  };
  await wrk({ ...load, seconds: 4 });
  // The main isolate traces first (its start-up GCs come before any worker exists).
  const main = isolateOf((await lines()).find((l) => /Scavenge|Mark-Compact/.test(l)) ?? '');
  const from = (await lines()).length;
  const result = await wrk({ ...load, seconds });
  const window = (await lines()).slice(from).filter((l) => isolateOf(l) === main);
  const majors = window.filter((l) => l.includes(': Mark-Compact'));
  const count = (found: string[], key: (l: string) => string) => {
    const counts = new Map<string, number>();
    for (const l of found) counts.set(key(l), (counts.get(key(l)) ?? 0) + 1);
    return [...counts].map(([k, n]) => `${n}× ${k}`);
  };
  const requests = result.rps * seconds;
  console.log(
    JSON.stringify({
      model,
      config,
      flags: flags.join(' '),
      requestsPerSecond: Number(result.rps.toFixed(1)),
      majorPerSecond: Number((majors.length / seconds).toFixed(2)),
      majorPer100Requests: Number(((majors.length / requests) * 100).toFixed(2)),
      scavengesPerSecond: Number(
        (window.filter((l) => l.includes(': Scavenge')).length / seconds).toFixed(1),
      ),
    }),
  );
  console.log(count(majors, (l) => l.replace(/.*mu = [\d.]+\) ?/, '').slice(0, 90)).join('\n'));
  const starts = window.filter((l) => l.includes('[IncrementalMarking] Start ('));
  if (starts.length > 0)
    console.log(count(starts, (l) => l.replace(/.*Start \(([^)]*)\).*/, '$1')).join('\n'));
} finally {
  await server.stop();
}
