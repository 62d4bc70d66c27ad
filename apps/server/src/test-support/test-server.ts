/** Test helpers: a real server on an ephemeral loopback port over a throwaway data directory. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type RunningServer, type StartOptions, startServer } from '../server.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..', '..');
export const IRIS_ONNX = path.join(REPO_ROOT, 'models', 'iris', 'iris.onnx');
export const DIGITS_ONNX = path.join(REPO_ROOT, 'models', 'digits', 'digits.onnx');
export const DIGIT_SAMPLES = path.join(REPO_ROOT, 'models', 'digits', 'samples');

export interface TestServer extends RunningServer {
  dataDir: string;
}

export async function startTestServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-test-'));
  const server = await startServer({
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    ...options,
    // The suites that predate access control change the registry anonymously over loopback; the
    // access-control suites set ANONYMOUS_LOOPBACK_WRITES=false to run with the safe default.
    env: { ANONYMOUS_LOOPBACK_WRITES: 'true', ...options.env },
  });
  return {
    ...server,
    dataDir,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Builds a multipart body for inject()/fetch from named parts. */
export function multipart(
  parts: Array<{ name: string; filename?: string; type?: string; data: Buffer | string }>,
) {
  // Fixed length: the Idempotency-Key fingerprint of a multipart push includes its Content-Length.
  const boundary = `----modelgarden${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    const type = p.filename ? `\r\nContent-Type: ${p.type ?? 'application/octet-stream'}` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
