/** Checks Dockerfile, Dockerfile.cuda and .dockerignore without a Docker engine: sources, stages, runtime shape. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configEnvVars, REPO } from './config-vars.js';
import { readAssignments, readDockerfile } from './dockerfile.js';

/** Variables the image sets that are not Model Garden config: Node's and onnxruntime-node's installer's. */
const OTHER_ENV = new Set(['NODE_ENV', 'ONNXRUNTIME_NODE_INSTALL']);
const ignored = readFileSync(path.join(REPO, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** Whether .dockerignore keeps `rel` out of the build context (the patterns used here: globs with ** and *). */
function isIgnored(rel: string): boolean {
  return ignored.some((pattern) => {
    const re = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*\*\//g, '\0')
      .replace(/\*/g, '[^/]*')
      .replaceAll('\0', '(.*/)?');
    return new RegExp(`^${re}(/.*)?$`).test(rel);
  });
}

describe.each(['Dockerfile', 'Dockerfile.cuda'])('%s', (name) => {
  const steps = readDockerfile(path.join(REPO, name));
  const stages = steps.filter((s) => s.keyword === 'FROM').map((s) => s.stage);
  const final = stages.at(-1)!;
  const runtime = steps.filter((s) => s.stage === final);

  it('copies only sources that exist in the repository and survive .dockerignore', () => {
    const problems: string[] = [];
    for (const step of steps.filter((s) => s.keyword === 'COPY' && s.flags.from === undefined)) {
      const sources = step.args.split(' ').slice(0, -1);
      for (const src of sources) {
        if (!existsSync(path.join(REPO, src))) problems.push(`${src} does not exist`);
        if (isIgnored(src)) problems.push(`${src} is excluded by .dockerignore`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('copies from earlier stages only what the build produces', () => {
    for (const step of steps.filter((s) => s.flags.from !== undefined)) {
      expect(stages.slice(0, stages.indexOf(step.stage))).toContain(step.flags.from);
      const src = step.args.split(' ')[0]!.replace(/^\/app\/?/, '');
      if (src.endsWith('/dist')) {
        // Each dist is a workspace's build output (tsc outDir or Vite's default), in a package we copy.
        expect(existsSync(path.join(REPO, path.dirname(src), 'package.json'))).toBe(true);
      }
    }
  });

  it('keeps local state, dependencies and secrets out of the build context', () => {
    for (const p of ['node_modules', 'apps/server/node_modules', 'apps/server/dist', 'data', '.env', '.git'])
      expect(isIgnored(p), p).toBe(true);
    for (const p of [
      'apps/server/src/main.ts',
      'apps/server/drizzle',
      'models/iris/iris.onnx',
      'package-lock.json',
      'docs/llm.md',
      'bench/retrieval-questions.jsonl',
    ])
      expect(isIgnored(p), p).toBe(false);
  });

  it('ships what the demo knowledge base is seeded and evaluated from (docs/ and its question set)', () => {
    const copied = runtime
      .filter((s) => s.keyword === 'COPY' && s.flags.from === undefined)
      .map((s) => s.args);
    expect(copied).toContain('docs docs');
    expect(copied).toContain('bench/retrieval-questions.jsonl bench/retrieval-questions.jsonl');
  });

  it('builds in one stage and installs only production dependencies in the runtime', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const runs = steps.filter((s) => s.keyword === 'RUN').map((s) => `${s.stage}: ${s.args}`);
    expect(runs.some((r) => /npm ci\b(?!.*--omit)/.test(r) && /npm run build/.test(runs.join('\n')))).toBe(
      true,
    );
    const prodInstall = steps.find((s) => s.keyword === 'RUN' && /npm ci --omit=dev/.test(s.args));
    expect(prodInstall).toBeDefined();
  });

  it('runs as a non-root user under an init process, bound to all interfaces, with /data as the volume', () => {
    const user = runtime.filter((s) => s.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(runtime.find((s) => s.keyword === 'ENTRYPOINT')?.args).toMatch(/tini/);
    const env = Object.assign(
      {},
      ...runtime.filter((s) => s.keyword === 'ENV').map((s) => readAssignments(s.args)),
    );
    expect(env).toMatchObject({ HOST: '0.0.0.0', DATA_DIR: '/data' });
    const known = configEnvVars();
    for (const key of Object.keys(env)) expect(known.has(key) || OTHER_ENV.has(key), key).toBe(true);
    expect(runtime.find((s) => s.keyword === 'VOLUME')?.args).toContain('/data');
    expect(runtime.find((s) => s.keyword === 'CMD')?.args).toContain('apps/server/dist/main.js');
  });

  it('has a HEALTHCHECK on the liveness path', () => {
    const check = runtime.find((s) => s.keyword === 'HEALTHCHECK');
    expect(check?.args).toMatch(/\/health\/live\b/);
  });
});
