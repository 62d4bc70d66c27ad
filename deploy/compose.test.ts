/**
 * Checks compose.yaml without a Docker engine: it parses, and every service, port, volume, mounted
 * file, env var and dependency it names exists, and it fits what deploy/observability expects. The
 * split shape (profile "split": api forwarding to inference) is checked against the server's config.
 */

import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { loadConfig } from '../apps/server/src/config/config.js';
import { configEnvVars, REPO } from './config-vars.js';

interface Service {
  profiles?: string[];
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const doc = parseDocument(readFileSync(path.join(REPO, 'compose.yaml'), 'utf8'), { uniqueKeys: true });
const compose = doc.toJS() as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const readYaml = (rel: string) => parse(readFileSync(path.join(REPO, rel), 'utf8'));

describe('compose.yaml', () => {
  it('parses without errors, warnings or duplicate keys', () => {
    expect([...doc.errors, ...doc.warnings]).toEqual([]);
    expect(Object.keys(services).sort()).toEqual([
      'api',
      'app',
      'grafana',
      'inference',
      'postgres',
      'prometheus',
    ]);
  });

  it('builds the app from the Dockerfile and pins every other image to a tag', () => {
    const build = services.app?.build;
    expect(build).toBeDefined();
    expect(existsSync(path.join(REPO, build!.context, build!.dockerfile))).toBe(true);
    for (const [name, s] of Object.entries(services).filter(([n]) => n !== 'app'))
      expect(s.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
  });

  it('mounts host paths that exist and named volumes that are declared, and declares no unused volume', () => {
    const used = new Set<string>();
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const [source = '', target = ''] = volume.split(':');
        expect(target, `${name}: ${volume}`).toMatch(/^\//);
        if (source.startsWith('.'))
          expect(existsSync(path.join(REPO, source)), `${name}: ${source}`).toBe(true);
        else {
          expect(Object.keys(compose.volumes), `${name}: ${source}`).toContain(source);
          used.add(source);
        }
      }
    }
    expect([...used].sort()).toEqual(Object.keys(compose.volumes).sort());
  });

  it('gives the app only environment variables the server reads, and listens where it publishes', () => {
    const env = services.app!.environment!;
    const known = configEnvVars();
    for (const key of Object.keys(env)) expect(known.has(key), key).toBe(true);
    expect(env.HOST).toBe('0.0.0.0');
    expect(services.app!.ports).toContain(`8080:${env.PORT}`);
    // The database URL points at the postgres service with its user and database.
    const pg = services.postgres!.environment!;
    const url = new URL(env.DATABASE_URL!.replace(/\$\{[^}]+\}/g, 'secret'));
    expect([url.hostname, url.username, url.pathname.slice(1)]).toEqual([
      'postgres',
      pg.POSTGRES_USER,
      pg.POSTGRES_DB,
    ]);
  });

  it('has a healthcheck on every service and waits for healthy dependencies', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.healthcheck?.test, name).toBeDefined();
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(Object.keys(services), `${name} → ${dep}`).toContain(dep);
        expect(condition).toBe('service_healthy');
      }
    }
    expect(Object.keys(services.app!.depends_on ?? {})).toContain('postgres');
  });

  it('mounts the observability files where their README says, and they point at these services', () => {
    expect(services.prometheus!.volumes).toContain('./deploy/observability/prometheus:/etc/prometheus:ro');
    expect(services.grafana!.volumes).toEqual(
      expect.arrayContaining([
        './deploy/observability/grafana/provisioning:/etc/grafana/provisioning:ro',
        './deploy/observability/grafana/dashboards:/var/lib/grafana/dashboards:ro',
      ]),
    );
    const scrape = readYaml('deploy/observability/prometheus/prometheus.yml');
    const job = scrape.scrape_configs.find((j: { job_name: string }) => j.job_name === 'modelgarden');
    const [host, port] = job.static_configs[0].targets[0].split(':');
    expect(Object.keys(services)).toContain(host);
    expect(services[host]!.environment?.PORT).toBe(port);
    const source = readYaml('deploy/observability/grafana/provisioning/datasources/prometheus.yml');
    expect(source.datasources[0].url).toBe('http://prometheus:9090');
    expect(services.prometheus!.ports).toContain('9090:9090');
  });
});

/** `${VAR:-default}` → default, as Compose interpolates with VAR unset. */
const interpolate = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{\w+:-([^}]*)\}/g, '$1')]));

describe('compose.yaml, split profile', () => {
  const api = services.api!;
  const inference = services.inference!;

  it('keeps app the default shape and puts api and inference in the split profile only', () => {
    const profiled = Object.entries(services)
      .filter(([, s]) => s.profiles)
      .map(([name, s]) => [name, s.profiles]);
    expect(profiled).toEqual([
      ['inference', ['split']],
      ['api', ['split']],
    ]);
  });

  it('runs the app image in ROLE=inference and ROLE=api, with the config the server accepts', () => {
    const known = configEnvVars();
    for (const [name, s] of [
      ['api', api],
      ['inference', inference],
    ] as const) {
      expect(s.build, name).toEqual(services.app!.build);
      expect(s.image, name).toBe(services.app!.image);
      for (const key of Object.keys(s.environment!)) expect(known.has(key), `${name}: ${key}`).toBe(true);
      // Everything but the role settings is the app's: same database, data dir, port, drain time.
      const { ROLE, INFERENCE_URLS, ...rest } = s.environment!;
      expect(rest, name).toEqual(services.app!.environment);
      expect(ROLE, name).toBe(name);
      expect(() => loadConfig(interpolate(s.environment!), os.tmpdir()), name).not.toThrow();
    }
    expect(inference.environment!.INFERENCE_URLS).toBeUndefined();
    const config = loadConfig(interpolate(api.environment!), os.tmpdir());
    expect(config.role).toBe('api');
    expect(config.inferenceUrls).toEqual(['http://inference:8080']);
  });

  it('points INFERENCE_URLS at the inference service on the port it listens on', () => {
    const urls = api.environment!.INFERENCE_URLS!.split(',');
    expect(urls).toHaveLength(1);
    const url = new URL(urls[0]!);
    expect(url.hostname).toBe('inference');
    expect(url.port).toBe(inference.environment!.PORT);
    // Reached over the Compose network only; the api is the published entry point.
    expect(inference.ports).toBeUndefined();
  });

  it('shares the artifact volume between api, inference and app, mounted at DATA_DIR', () => {
    const dataVolume = (s: Service) =>
      s.volumes?.find((v) => v.split(':')[1] === s.environment!.DATA_DIR)?.split(':')[0];
    expect(dataVolume(services.app!)).toBe('app-data');
    expect(dataVolume(api)).toBe('app-data');
    expect(dataVolume(inference)).toBe('app-data');
  });

  it('starts inference after postgres and api after both, each with the app healthcheck', () => {
    expect(Object.keys(inference.depends_on!)).toEqual(['postgres']);
    expect(Object.keys(api.depends_on!).sort()).toEqual(['inference', 'postgres']);
    expect(api.healthcheck).toEqual(services.app!.healthcheck);
    expect(inference.healthcheck).toEqual(services.app!.healthcheck);
  });

  it('publishes api on a host port of its own, so both shapes can run together', () => {
    const hostPorts = Object.values(services).flatMap((s) => (s.ports ?? []).map((p) => p.split(':')[0]));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
    expect(api.ports).toEqual([`8081:${api.environment!.PORT}`]);
  });
});
