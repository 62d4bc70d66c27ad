/**
 * The Idempotency-Key store on its own: provisional upload claims, settling them, and claims
 * abandoned by a request that died (taken over once, by one request only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './database.js';
import { IdempotencyStore } from './idempotency-store.js';

let database: Database;
let clock = Date.now();
let store: IdempotencyStore;
const answer = { status: 201, contentType: 'application/json', body: '{"version":1}' };

beforeAll(async () => {
  database = await openDatabase({ dataDir: '', inMemory: true });
  store = new IdempotencyStore(database.db, () => clock);
});
afterAll(() => database.close());

describe('IdempotencyStore', () => {
  it('holds an upload provisionally, then compares the fingerprint it settles on', async () => {
    const claim = await store.claimUpload('u1');
    if (claim.state !== 'claimed') throw new Error(claim.state);
    // Another request with the key, upload or not, waits: the first one's fingerprint is not known yet.
    expect(await store.claimUpload('u1')).toEqual({ state: 'in-progress' });
    expect(await store.claim('u1', 'f'.repeat(64))).toEqual({ state: 'in-progress' });

    expect(await store.settle('u1', claim.token, 'a'.repeat(64))).toBe(true);
    expect(await store.settle('u1', claim.token, 'b'.repeat(64))).toBe(false);
    await store.complete('u1', 'a'.repeat(64), answer);

    expect(await store.claimUpload('u1')).toEqual({ state: 'answered', fingerprint: 'a'.repeat(64), answer });
    expect(await store.claim('u1', 'a'.repeat(64))).toEqual({ state: 'replay', ...answer });
    expect(await store.claim('u1', 'b'.repeat(64))).toEqual({ state: 'mismatch' });
  });

  it('releases only the claim that holds the fingerprint, never an answered key', async () => {
    const claim = await store.claimUpload('u2');
    if (claim.state !== 'claimed') throw new Error(claim.state);
    await store.release('u2', 'someone-else');
    expect(await store.claimUpload('u2')).toEqual({ state: 'in-progress' });
    await store.release('u2', claim.token);
    expect((await store.claimUpload('u2')).state).toBe('claimed');

    expect(await store.claim('j1', 'c'.repeat(64))).toEqual({ state: 'claimed' });
    await store.complete('j1', 'c'.repeat(64), answer);
    await store.release('j1', 'c'.repeat(64));
    expect(await store.claim('j1', 'c'.repeat(64))).toEqual({ state: 'replay', ...answer });
  });

  it('lets one request take over a claim abandoned for 10 minutes, and the old holder can no longer settle', async () => {
    const old = await store.claimUpload('u3');
    if (old.state !== 'claimed') throw new Error(old.state);
    expect((await store.claimUpload('u3')).state).toBe('in-progress');

    clock += 11 * 60_000;
    const [a, b] = await Promise.all([store.claimUpload('u3'), store.claimUpload('u3')]);
    expect([a.state, b.state].sort()).toEqual(['claimed', 'in-progress']);
    expect(await store.settle('u3', old.token, 'd'.repeat(64))).toBe(false);

    const fresh = a.state === 'claimed' ? a : b;
    if (fresh.state !== 'claimed') throw new Error(fresh.state);
    expect(await store.settle('u3', fresh.token, 'e'.repeat(64))).toBe(true);
    // A JSON request's abandoned claim is taken over by the same request, refused to another.
    expect(await store.claim('j2', '1'.repeat(64))).toEqual({ state: 'claimed' });
    clock += 11 * 60_000;
    expect(await store.claim('j2', '2'.repeat(64))).toEqual({ state: 'mismatch' });
    expect(await store.claim('j2', '1'.repeat(64))).toEqual({ state: 'claimed' });
    expect(await store.claim('j2', '1'.repeat(64))).toEqual({ state: 'in-progress' });
  });
});
