/**
 * Every health check the packaging names (Dockerfile HEALTHCHECK, Compose healthcheck, the chart's
 * probes) must hit a path the real server serves with 200, on the port the server is configured for.
 * The split shapes' checks are requested from real servers started with the environment the chart
 * gives each role's pods (ROLE=inference; ROLE=api with the chart's INFERENCE_URLS).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestServer, type TestServer } from '../apps/server/src/test-support/test-server.js';
import { REPO } from './config-vars.js';
import { readDockerfile } from './dockerfile.js';
import { renderChart } from './helm/render.js';

// Rendered manifests are untyped JSON; the tests index into them freely.
// biome-ignore lint/suspicious/noExplicitAny: untyped YAML documents
type Doc = Record<string, any>;

/**
 * 'ok' when the URL answers 200 with a health JSON body; otherwise what it answered. A bare 200 is not
 * enough: unknown paths outside the API answer 200 with the web app's index.html.
 */
async function healthAnswer(url: string): Promise<string> {
  const res = await fetch(url);
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('json') ? ((await res.json()) as { status?: string }) : {};
  return res.status === 200 && typeof body.status === 'string' ? 'ok' : `${res.status} ${type.split(';')[0]}`;
}

/**
 * Problems with the probes of one of the chart's Deployments (the first, or the one named): a port that
 * is not the server's, a path that does not answer 200.
 */
async function probeProblems(docs: Doc[], serverUrl: string, deployment?: string): Promise<string[]> {
  const problems: string[] = [];
  const port = Number(docs.find((d) => d.kind === 'ConfigMap')!.data.PORT);
  const found = docs.find((d) => d.kind === 'Deployment' && (!deployment || d.metadata.name === deployment));
  if (!found) return [`no Deployment ${deployment ?? ''} rendered`];
  const container = found.spec.template.spec.containers[0];
  for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
    const probe = container[kind]?.httpGet;
    if (!probe) {
      problems.push(`${kind}: missing`);
      continue;
    }
    const named = container.ports.find((p: Doc) => p.name === probe.port)?.containerPort;
    const number = typeof probe.port === 'number' ? probe.port : named;
    if (number !== port) problems.push(`${kind}: port ${probe.port} is not the server's port ${port}`);
    const answer = await healthAnswer(serverUrl + probe.path);
    if (answer !== 'ok') problems.push(`${kind}: GET ${probe.path} answered ${answer}`);
  }
  return problems;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe('health checks against the real server', () => {
  it('the chart probes paths the server serves, on its port', async () => {
    expect(
      await probeProblems(
        renderChart(path.join(REPO, 'deploy/helm/modelgarden')).map((m) => m.doc),
        server.url,
      ),
    ).toEqual([]);
  });

  it('a probe on a path or port the server does not serve is reported', async () => {
    const docs = renderChart(path.join(REPO, 'deploy/helm/modelgarden'), {
      probes: { liveness: { path: '/healthz' } },
      containerPort: 9000,
    }).map((m) => m.doc);
    const problems = await probeProblems(docs, server.url);
    expect(problems.filter((p) => p.startsWith('livenessProbe: GET /healthz answered'))).toHaveLength(1);
    expect(problems.filter((p) => /port http is not the server's port 8080/.test(p))).toHaveLength(3);
  });

  it.each(['Dockerfile', 'Dockerfile.cuda'])('the %s HEALTHCHECK path answers 200', async (file) => {
    const check = readDockerfile(path.join(REPO, file)).find((s) => s.keyword === 'HEALTHCHECK')!;
    const url = /'http:\/\/127\.0\.0\.1:'\+\(process\.env\.PORT\|\|8080\)\+'(\/[\w/]+)'/.exec(check.args);
    expect(url, check.args).not.toBeNull();
    expect(await healthAnswer(server.url + url![1])).toBe('ok');
  });

  it('the Compose healthcheck URL is the app port and a path that answers 200', async () => {
    const app = parse(readFileSync(path.join(REPO, 'compose.yaml'), 'utf8')).services.app;
    const url = new URL(/http:\/\/[^']+/.exec(app.healthcheck.test.join(' '))![0]);
    expect(url.port).toBe(app.environment.PORT);
    expect(await healthAnswer(server.url + url.pathname)).toBe('ok');
  });
});

describe('health checks of the split shape against servers in each role', () => {
  const split = (overrides: Record<string, unknown> = {}) =>
    renderChart(path.join(REPO, 'deploy/helm/modelgarden'), {
      mode: 'split',
      persistence: { enabled: true },
      ...overrides,
    }).map((m) => m.doc as Doc);
  /** The environment a split pod gets: the ConfigMap, then its container's env (which wins). */
  function podEnv(role: 'api' | 'inference'): Record<string, string> {
    const docs = split();
    const deployment = docs.find(
      (d) => d.kind === 'Deployment' && d.metadata.name === `mg-modelgarden-${role}`,
    )!;
    const env = deployment.spec.template.spec.containers[0].env.map((e: Doc) => [e.name, e.value]);
    return { ...docs.find((d) => d.kind === 'ConfigMap')!.data, ...Object.fromEntries(env) };
  }

  // Each server starts with its pod's environment (ROLE and, for api, the chart's INFERENCE_URLS,
  // which only resolves in a cluster: health does not depend on it); the test server picks the
  // host, a free port and a throwaway DATA_DIR.
  let inference: TestServer;
  let api: TestServer;
  beforeAll(async () => {
    inference = await startTestServer({ env: podEnv('inference') });
    api = await startTestServer({ env: podEnv('api') });
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await inference?.close();
  });
  const servers = () => ({ api, inference });

  it('the servers run in the roles the chart gives their pods', () => {
    expect(inference.context.config.role).toBe('inference');
    expect(api.context.config.role).toBe('api');
    expect(api.context.config.inferenceUrls).toEqual(['http://mg-modelgarden-inference:80']);
    expect(api.context.models.loadedVersions('iris')).toEqual([]);
    expect(inference.context.models.loadedVersions('iris').length).toBeGreaterThan(0);
  });

  it.each(['api', 'inference'] as const)(
    'the chart probes of the %s Deployment answer on that role',
    async (role) => {
      expect(await probeProblems(split(), servers()[role].url, `mg-modelgarden-${role}`)).toEqual([]);
    },
  );

  it('a split probe on a path the role does not serve is reported', async () => {
    const docs = split({ probes: { readiness: { path: '/v2/health/readyz' } } });
    const problems = await probeProblems(docs, api.url, 'mg-modelgarden-api');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^readinessProbe: GET \/v2\/health\/readyz answered/);
  });

  it.each(['api', 'inference'] as const)(
    'the Compose %s healthcheck URL answers on that role',
    async (role) => {
      const service = parse(readFileSync(path.join(REPO, 'compose.yaml'), 'utf8')).services[role];
      expect(service.environment.ROLE).toBe(role);
      const url = new URL(/http:\/\/[^']+/.exec(service.healthcheck.test.join(' '))![0]);
      expect(url.port).toBe(service.environment.PORT);
      expect(await healthAnswer(servers()[role].url + url.pathname)).toBe('ok');
    },
  );
});
