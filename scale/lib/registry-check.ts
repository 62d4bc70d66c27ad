/** Pushes through the balancer while a replica dies, then checks that the registry kept every accepted one. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO, SCALE_ADMIN_KEY } from './replicas.js';

/** Pushes iris.onnx as new versions of `model`, one after another, until stopped. */
export function pushLoop(base: string, model: string) {
  const accepted: number[] = [];
  let refused = 0;
  let running = true;
  const loop = (async () => {
    const file = await readFile(path.join(REPO, 'models/iris/iris.onnx'));
    while (running) {
      const form = new FormData();
      form.set('file', new Blob([file]), 'iris.onnx');
      form.set('metadata', JSON.stringify({ labels: ['setosa', 'versicolor', 'virginica'] }));
      try {
        const res = await fetch(`${base}/api/models/${model}/versions`, {
          method: 'POST',
          body: form,
          headers: { authorization: `Bearer ${SCALE_ADMIN_KEY}` },
        });
        const body = (await res.json()) as { version?: number };
        if (res.status === 201 && body.version) accepted.push(body.version);
        else refused++;
      } catch {
        refused++;
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { accepted, refused };
    },
  };
}

interface Version {
  version: number;
  sha256: string;
  status: string;
}

/** Every accepted version is listed, numbers are 1..n without gaps or repeats, every artifact is on disk. */
export async function checkRegistry(base: string, model: string, accepted: number[], dataDir: string) {
  const res = await fetch(`${base}/api/models/${model}`);
  const { versions } = (await res.json()) as { versions: Version[] };
  const numbers = versions.map((v) => v.version).sort((a, b) => a - b);
  const problems: string[] = [];
  for (const v of accepted) if (!numbers.includes(v)) problems.push(`accepted version ${v} is missing`);
  if (new Set(numbers).size !== numbers.length) problems.push('a version number repeats');
  numbers.forEach((n, i) => {
    if (n !== i + 1) problems.push(`version numbers have a gap at ${i + 1}`);
  });
  for (const v of versions) {
    const file = path.join(dataDir, 'artifacts', 'sha256', v.sha256.slice(0, 2), v.sha256);
    if (!existsSync(file)) problems.push(`version ${v.version}: artifact ${v.sha256} is not in the store`);
  }
  const unready = versions.filter((v) => !['ready', 'loaded', 'registered'].includes(v.status));
  const statuses = [...new Set(versions.map((v) => v.status))].join(', ');
  return {
    problems: [...new Set(problems)],
    summary: `${versions.length} versions listed (statuses: ${statuses}; ${unready.length} others), ${accepted.length} accepted`,
  };
}
