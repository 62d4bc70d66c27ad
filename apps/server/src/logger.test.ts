/** The log's two formats: JSON lines for machines, pino-pretty lines for a person at a terminal. */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config/config.js';
import { createLogger, prettyDestination } from './logger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** What a logger writing pretty lines to a file wrote. */
function prettyLines(write: (log: ReturnType<typeof createLogger>) => void): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'modelgarden-log-'));
  dirs.push(dir);
  const file = path.join(dir, 'out.log');
  const fd = openSync(file, 'w');
  write(createLogger('info', prettyDestination(fd, false), { traceIds: false }));
  closeSync(fd);
  return readFileSync(file, 'utf8');
}

describe('LOG_FORMAT', () => {
  it('is auto by default, and refuses a format it does not know', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'modelgarden-cfg-'));
    dirs.push(dir);
    expect(loadConfig({}, dir).logFormat).toBe('auto');
    expect(loadConfig({ LOG_FORMAT: 'json' }, dir).logFormat).toBe('json');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' }, dir)).toThrow(/LOG_FORMAT/);
  });

  it('pretty: one readable line per entry, the request line as method, path, status and time', () => {
    const out = prettyLines((log) => {
      log.info({ url: 'http://127.0.0.1:8080' }, 'Model Garden listening on http://127.0.0.1:8080');
      log.warn('created user "admin" with password s3cret');
      log.info(
        {
          req: { method: 'POST', url: '/api/models/iris/predict' },
          res: { statusCode: 200 },
          responseTime: 1.25,
        },
        'request completed',
      );
    });
    const lines = out.split('\n');
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Model Garden listening on http:\/\/127\.0\.0\.1:8080$/,
    );
    expect(out).toMatch(/WARN: created user "admin" with password s3cret\n/);
    expect(out).toMatch(/INFO: POST \/api\/models\/iris\/predict → 200 \(1\.3 ms\)\n/);
    expect(out).not.toContain('{"level"');
  });
});
