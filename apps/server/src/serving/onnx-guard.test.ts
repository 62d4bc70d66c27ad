import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelGardenError } from '../errors/model-garden-error.js';
import {
  irisBytes,
  irisWithExternalData,
  irisWithExternalDataInSubgraph,
  pickleStream,
  randomBytes,
  torchZip,
} from '../test-support/hostile-files.js';
import { DIGITS_ONNX } from '../test-support/test-server.js';
import { assertOnnxModel } from './onnx-guard.js';

function refusal(bytes: Uint8Array): ModelGardenError {
  try {
    assertOnnxModel(bytes);
  } catch (err) {
    if (err instanceof ModelGardenError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('onnx guard', () => {
  it('accepts the demo models', () => {
    expect(() => assertOnnxModel(irisBytes())).not.toThrow();
    expect(() => assertOnnxModel(readFileSync(DIGITS_ONNX))).not.toThrow();
  });

  it('refuses external data that leaves the artifact, naming the tensor and the path', () => {
    const err = refusal(irisWithExternalData('../../etc/passwd'));
    expect(err.code).toBe('INVALID_MODEL_FILE');
    expect(err.details).toEqual({ reason: 'external-data' });
    expect(err.message).toContain('"evil"');
    expect(err.message).toContain('../../etc/passwd');
    expect(err.message).toContain('outside the model');
  });

  it('refuses any external data, also in a subgraph and with an absolute path', () => {
    expect(refusal(irisWithExternalData('weights.bin')).details).toEqual({ reason: 'external-data' });
    expect(refusal(irisWithExternalDataInSubgraph('/etc/shadow')).message).toContain('/etc/shadow');
  });

  it('refuses pickles and torch checkpoints by what they are', () => {
    expect(refusal(pickleStream()).message).toMatch(/Python pickle/);
    expect(refusal(torchZip()).message).toMatch(/PyTorch checkpoint/);
  });

  it('refuses empty, truncated and random bytes as malformed', () => {
    const iris = irisBytes();
    expect(refusal(new Uint8Array()).details).toEqual({ reason: 'empty' });
    for (const cut of [1, 10, 100, iris.length - 1]) {
      expect(refusal(iris.subarray(0, cut)).code).toBe('INVALID_MODEL_FILE');
    }
    for (let seed = 1; seed <= 200; seed++) {
      expect(refusal(randomBytes(64 + seed * 13, seed)).code).toBe('INVALID_MODEL_FILE');
    }
  });

  it('keeps control characters from a hostile file out of the message', () => {
    const err = refusal(irisWithExternalData(`x\u0000\n${'a'.repeat(5000)}`));
    expect(err.message).not.toContain('\u0000');
    expect(err.message).not.toContain('\n');
    expect(err.message.length).toBeLessThan(500);
  });
});
