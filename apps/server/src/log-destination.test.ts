/**
 * The batched log destination: lines reach the descriptor in order, in one write per 10 ms; short
 * writes and EAGAIN are retried; pending lines are written when the process exits.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchedLogDestination } from './log-destination.js';

const later = () => new Promise((resolve) => setTimeout(resolve, 30));

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('BatchedLogDestination', () => {
  it('writes the lines of 10 ms in one write, in order', async () => {
    const writes: string[] = [];
    const dest = new BatchedLogDestination(99, (_fd, buffer, offset, length) => {
      writes.push(buffer.subarray(offset, offset + length).toString('utf8'));
      return length;
    });
    dest.write('{"a":1}\n');
    dest.write('{"b":"é"}\n');
    expect(writes).toEqual([]);
    await later();
    expect(writes).toEqual(['{"a":1}\n{"b":"é"}\n']);
    dest.write('{"c":3}\n');
    await later();
    expect(writes).toEqual(['{"a":1}\n{"b":"é"}\n', '{"c":3}\n']);
    dest.end();
  });

  it('finishes short writes and waits out EAGAIN; drops a batch on any other error', async () => {
    const out: Buffer[] = [];
    let calls = 0;
    const dest = new BatchedLogDestination(99, (_fd, buffer, offset, length) => {
      calls++;
      if (calls === 2) throw Object.assign(new Error('busy'), { code: 'EAGAIN' });
      const n = Math.min(length, 3);
      out.push(Buffer.from(buffer.subarray(offset, offset + n)));
      return n;
    });
    dest.write('héllo\n');
    dest.write('world\n');
    dest.flushSync();
    expect(Buffer.concat(out).toString('utf8')).toBe('héllo\nworld\n');
    expect(calls).toBeGreaterThan(4);

    const failing = new BatchedLogDestination(99, () => {
      throw Object.assign(new Error('closed'), { code: 'EBADF' });
    });
    failing.write('lost\n');
    expect(() => failing.flushSync()).not.toThrow();
    dest.end();
    failing.end();
  });

  it('writes large volumes before the timer fires', () => {
    let written = 0;
    const dest = new BatchedLogDestination(99, (_fd, _buffer, _offset, length) => {
      written += length;
      return length;
    });
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 1000; i++) dest.write(line);
    // 1 MB at once: all but the last (< 256 KB) part is out already.
    expect(written).toBeGreaterThan(1000 * 1024 - 256 * 1024);
    dest.end();
    expect(written).toBe(1000 * 1024);
  });

  it('writes pending lines to a real file when the process exits', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mg-logdest-'));
    const file = path.join(dir, 'out.log');
    const script = [
      `import { BatchedLogDestination } from ${JSON.stringify(path.resolve(import.meta.dirname, 'log-destination.ts'))};`,
      `import { openSync } from 'node:fs';`,
      `const dest = new BatchedLogDestination(openSync(${JSON.stringify(file)}, 'w'));`,
      `for (let i = 0; i < 3; i++) dest.write(JSON.stringify({ i }) + '\\n');`,
      'process.exit(0);',
    ].join('\n');
    await writeFile(path.join(dir, 'child.mts'), script);
    await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(dir, 'child.mts')]);
    expect(await readFile(file, 'utf8')).toBe('{"i":0}\n{"i":1}\n{"i":2}\n');
  });
});
