/**
 * Checks compose.yaml without a Docker engine: it parses, and every service, port, volume, mounted
 * file, env var and dependency it names exists, and it fits what deploy/observability expects.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { configEnvVars, REPO } from './config-vars.js';

interface Service {
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
    expect(Object.keys(services).sort()).toEqual(['app', 'grafana', 'postgres', 'prometheus']);
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
