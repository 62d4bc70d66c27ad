/** Run setup: a fresh PostgreSQL database per run, free loopback ports, the chart's HPA target. */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { REPO } from './replicas.js';

/** Admin connection for CREATE/DROP DATABASE; SCALE_PG_URL overrides the machine's default server. */
const ADMIN_URL = process.env.SCALE_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function withDatabase(body: (url: string) => Promise<void>): Promise<void> {
  const name = `modelgarden_scale_${Date.now()}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  try {
    await body(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `autoscaling.targetActiveRequestsPerPod` from the chart's values.yaml: the number the HPA uses. */
export async function hpaTarget(): Promise<number> {
  const values = parse(readFileSync(path.join(REPO, 'deploy/helm/modelgarden/values.yaml'), 'utf8'));
  return Number(values.autoscaling.targetActiveRequestsPerPod);
}
