/** The systems under test, each started in its own process. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PYTHON, REPO } from './models.js';
import { pinned, type Running, startProcess } from './processes.js';

// node --import tsx (not the tsx binary, which forks) so the pid is the server's, for its RSS.
const NODE_TS = [process.execPath, '--import', 'tsx'] as const;
/** BENCH_PORT_BASE: where the servers' ports start (two benchmark runs on one machine must not share them). */
let nextPort = Number(process.env.BENCH_PORT_BASE ?? 18_100);

export interface NodeServerOptions {
  /** Pin the server to these CPUs (`taskset -c`), as bench/ab.ts does. */
  cpus?: string;
  /** The checkout whose server runs (bench/ab.ts runs a git worktree's); default this one. */
  root?: string;
  /** A PostgreSQL server for its database (BENCH_DATABASE_URL); default the embedded one. */
  databaseUrl?: string;
}

export async function startModelGarden(dir: string, options: NodeServerOptions = {}): Promise<Running> {
  const port = nextPort++;
  const script = path.join(options.root ?? REPO, 'bench', 'servers', 'model-garden.ts');
  return startProcess(
    ...pinned(options.cpus, NODE_TS[0], [
      ...NODE_TS.slice(1),
      script,
      String(port),
      path.join(dir, `data-${port}`),
    ]),
    `http://127.0.0.1:${port}`,
    '/health/ready',
    path.join(dir, `model-garden-${port}.log`),
    options.databaseUrl ? { BENCH_DATABASE_URL: options.databaseUrl } : undefined,
  );
}

export async function startBareFastify(
  dir: string,
  options: Pick<NodeServerOptions, 'cpus'> = {},
): Promise<Running> {
  const port = nextPort++;
  const script = path.join(REPO, 'bench', 'baselines', 'bare-fastify.ts');
  const model = path.join(REPO, 'models', 'iris', 'iris.onnx');
  return startProcess(
    ...pinned(options.cpus, NODE_TS[0], [...NODE_TS.slice(1), script, String(port), model]),
    `http://127.0.0.1:${port}`,
    '/health',
    path.join(dir, `bare-fastify-${port}.log`),
  );
}

export async function startFastApi(dir: string): Promise<Running> {
  const port = nextPort++;
  return startProcess(
    PYTHON,
    [path.join(REPO, 'bench', 'baselines', 'fastapi_iris.py'), String(port)],
    `http://127.0.0.1:${port}`,
    '/health',
    path.join(dir, `fastapi-${port}.log`),
  );
}

/** Pushes an .onnx to a running Model Garden as `name` (version 1). */
export async function pushModel(
  server: Running,
  name: string,
  file: string,
  metadata: object = {},
): Promise<void> {
  const form = new FormData();
  form.set('file', new Blob([await readFile(file)]), path.basename(file));
  form.set('metadata', JSON.stringify(metadata));
  const res = await fetch(`${server.url}/api/models/${name}/versions`, { method: 'POST', body: form });
  if (res.status !== 201) throw new Error(`push ${name}: ${res.status} ${await res.text()}`);
}

export async function setServingConfig(server: Running, name: string, config: object): Promise<void> {
  const res = await fetch(`${server.url}/api/models/${name}/versions/1/serving-config`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  if (!res.ok) throw new Error(`serving-config ${name}: ${res.status} ${await res.text()}`);
}

/**
 * Prediction logging for iris on, sampled at 1 %, as benchmark 1 measures Model Garden (the demo
 * seeds iris with every request logged).
 */
export async function sampleIrisPredictionLog(server: Running): Promise<void> {
  const res = await fetch(`${server.url}/api/models/iris/prediction-logging`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ enabled: true, sampleRate: 0.01 }),
  });
  if (!res.ok) throw new Error(`prediction-logging: ${res.status} ${await res.text()}`);
}
