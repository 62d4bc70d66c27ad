/**
 * The Idempotency-Key store on its own: provisional upload claims, settling them, claims abandoned
 * by a request that died (taken over once, by one request only), and keys scoped to their caller;
 * on PGlite and, with TEST_DATABASE_URL, a PostgreSQL server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../test-support/registry-backends.js';
import { IdempotencyStore } from './idempotency-store.js';

const answer = { status: 201, contentType: 'application/json', body: '{"version":1}' };
const C = 'user:1';

describe.each(backends)('IdempotencyStore on $name', (backend) => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let clock = Date.now();
  let store: IdempotencyStore;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'modelgarden-idempotency-'));
    const opened = await backend.open(dir);
    cleanup = opened.cleanup;
    store = new IdempotencyStore(opened.database.db, () => clock);
  });
  afterAll(async () => {
    await cleanup?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('holds an upload provisionally, then compares the fingerprint it settles on', async () => {
    const claim = await store.claimUpload(C, 'u1');
    if (claim.state !== 'claimed') throw new Error(claim.state);
    // Another request with the key, upload or not, waits: the first one's fingerprint is not known yet.
    expect(await store.claimUpload(C, 'u1')).toEqual({ state: 'in-progress' });
    expect(await store.claim(C, 'u1', 'f'.repeat(64))).toEqual({ state: 'in-progress' });

    expect(await store.settle(C, 'u1', claim.token, 'a'.repeat(64))).toBe(true);
    expect(await store.settle(C, 'u1', claim.token, 'b'.repeat(64))).toBe(false);
    await store.complete(C, 'u1', 'a'.repeat(64), answer);

    expect(await store.claimUpload(C, 'u1')).toEqual({
      state: 'answered',
      fingerprint: 'a'.repeat(64),
      answer,
    });
    expect(await store.claim(C, 'u1', 'a'.repeat(64))).toEqual({ state: 'replay', ...answer });
    expect(await store.claim(C, 'u1', 'b'.repeat(64))).toEqual({ state: 'mismatch' });
  });

  it('releases only the claim that holds the fingerprint, never an answered key', async () => {
    const claim = await store.claimUpload(C, 'u2');
    if (claim.state !== 'claimed') throw new Error(claim.state);
    await store.release(C, 'u2', 'someone-else');
    expect(await store.claimUpload(C, 'u2')).toEqual({ state: 'in-progress' });
    await store.release(C, 'u2', claim.token);
    expect((await store.claimUpload(C, 'u2')).state).toBe('claimed');

    expect(await store.claim(C, 'j1', 'c'.repeat(64))).toEqual({ state: 'claimed' });
    await store.complete(C, 'j1', 'c'.repeat(64), answer);
    await store.release(C, 'j1', 'c'.repeat(64));
    expect(await store.claim(C, 'j1', 'c'.repeat(64))).toEqual({ state: 'replay', ...answer });
  });

  it('lets one request take over a claim abandoned for 10 minutes, and the old holder can no longer settle', async () => {
    // Rows get the database's time: the store's clock starts from now, whenever this suite runs.
    clock = Date.now();
    const old = await store.claimUpload(C, 'u3');
    if (old.state !== 'claimed') throw new Error(old.state);
    expect((await store.claimUpload(C, 'u3')).state).toBe('in-progress');

    clock += 11 * 60_000;
    const [a, b] = await Promise.all([store.claimUpload(C, 'u3'), store.claimUpload(C, 'u3')]);
    expect([a.state, b.state].sort()).toEqual(['claimed', 'in-progress']);
    expect(await store.settle(C, 'u3', old.token, 'd'.repeat(64))).toBe(false);

    const fresh = a.state === 'claimed' ? a : b;
    if (fresh.state !== 'claimed') throw new Error(fresh.state);
    expect(await store.settle(C, 'u3', fresh.token, 'e'.repeat(64))).toBe(true);
    // A JSON request's abandoned claim is taken over by the same request, refused to another.
    expect(await store.claim(C, 'j2', '1'.repeat(64))).toEqual({ state: 'claimed' });
    clock += 11 * 60_000;
    expect(await store.claim(C, 'j2', '2'.repeat(64))).toEqual({ state: 'mismatch' });
    expect(await store.claim(C, 'j2', '1'.repeat(64))).toEqual({ state: 'claimed' });
    expect(await store.claim(C, 'j2', '1'.repeat(64))).toEqual({ state: 'in-progress' });
  });

  it("idempotency keys are scoped to the caller: one caller neither replays nor blocks another's key (issue 18.1)", async () => {
    const [alice, bob] = ['user:10', 'key:20'];
    expect(await store.claim(alice, 'shared', 'a'.repeat(64))).toEqual({ state: 'claimed' });
    // While alice's request runs, bob's own request with the key runs too.
    expect(await store.claim(bob, 'shared', 'b'.repeat(64))).toEqual({ state: 'claimed' });
    await store.complete(alice, 'shared', 'a'.repeat(64), answer);
    // Bob sending alice's key and body gets his own claim, not her answer.
    expect(await store.claim('admin-key', 'shared', 'a'.repeat(64))).toEqual({ state: 'claimed' });
    expect(await store.claimUpload('anonymous', 'shared')).toMatchObject({ state: 'claimed' });
    // Releasing or completing under one caller never touches another's row.
    await store.release(bob, 'shared', 'a'.repeat(64));
    await store.complete(bob, 'shared', 'b'.repeat(64), { ...answer, body: '{"version":2}' });
    expect(await store.claim(alice, 'shared', 'a'.repeat(64))).toEqual({ state: 'replay', ...answer });
    expect(await store.claim(bob, 'shared', 'b'.repeat(64))).toEqual({
      state: 'replay',
      ...answer,
      body: '{"version":2}',
    });
  });
});
