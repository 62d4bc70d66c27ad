/**
 * Crash safety of artifact writes, on the real process: SIGKILL the server in the middle of a large
 * upload, restart it, and find no half-stored version and no stray file (temp uploads and artifacts
 * no row refers to are swept at start).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMainProcess, waitReady } from './test-support/child-server.js';

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-crash-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const startProcess = () => startMainProcess(dataDir, { MAX_UPLOAD_MB: '512' });

/** Every file under the artifact store, relative to it. */
async function storedFiles(): Promise<string[]> {
  const root = path.join(dataDir, 'artifacts');
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out.push(path.relative(root, full));
    }
  };
  await walk(root);
  return out.sort();
}

/** Starts a multipart upload of `totalBytes` that sends 1 MB chunks until the socket dies. */
function startLargeUpload(url: string, totalBytes: number): http.ClientRequest {
  const boundary = 'crashtestboundary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.onnx"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const req = http.request(`${url}/api/models/big/versions`, {
    method: 'POST',
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + totalBytes + tail.length),
    },
  });
  req.on('error', () => {});
  req.write(head);
  const chunk = Buffer.alloc(1024 * 1024, 7);
  let sent = 0;
  const pump = () => {
    while (sent < totalBytes && !req.destroyed) {
      sent += chunk.length;
      if (!req.write(chunk)) return void req.once('drain', pump);
    }
  };
  pump();
  return req;
}

describe('crash safety', () => {
  it('leaves no half-stored version and no stray file after SIGKILL mid-upload and a restart', async () => {
    const first = await startProcess();
    await waitReady(first.url);
    const before = await storedFiles();
    const versionsBefore = (await (await fetch(`${first.url}/api/models`)).json()) as { total: number };

    const upload = startLargeUpload(first.url, 400 * 1024 * 1024);
    // Kill once a good part of the upload sits in a temporary file.
    const tmpDir = path.join(dataDir, 'artifacts', 'tmp');
    for (let i = 0; i < 600; i++) {
      const parts = existsSync(tmpDir) ? await readdir(tmpDir) : [];
      const size = parts[0] ? (await stat(path.join(tmpDir, parts[0])).catch(() => null))?.size : 0;
      if ((size ?? 0) > 16 * 1024 * 1024) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    upload.destroy();
    expect((await readdir(tmpDir)).length).toBeGreaterThan(0);

    // A crash between the rename and the row leaves an artifact nobody refers to: plant one.
    const orphanBytes = Buffer.from('renamed but never recorded');
    const orphanSha = createHash('sha256').update(orphanBytes).digest('hex');
    await mkdir(path.join(dataDir, 'artifacts', 'sha256', orphanSha.slice(0, 2)), { recursive: true });
    await writeFile(path.join(dataDir, 'artifacts', 'sha256', orphanSha.slice(0, 2), orphanSha), orphanBytes);

    const second = await startProcess();
    try {
      await waitReady(second.url);
      expect(await storedFiles()).toEqual(before);
      expect((await fetch(`${second.url}/api/models/big`)).status).toBe(404);
      const after = (await (await fetch(`${second.url}/api/models`)).json()) as { total: number };
      expect(after.total).toBe(versionsBefore.total);
      const iris = await fetch(`${second.url}/api/models/iris/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [5.1, 3.5, 1.4, 0.2] }),
      });
      expect(iris.status).toBe(200);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
