/**
 * GET /api/llm/usage?interval=hour|day: the usage log summed per hour or UTC day and per group, for
 * the admin page's charts; a real gateway call lands in the current hour, older rows in theirs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { llmUsage } from '../../db/llm-schema.js';
import { finish, say, turn, usage } from '../../test-support/fake-llm/index.js';
import { ADMIN_KEY, type GatewayFixture, startGateway } from '../../test-support/llm-gateway.js';

let g: GatewayFixture;
beforeAll(async () => {
  g = await startGateway();
}, 60_000);
afterAll(() => g?.close());

const get = async (query: string) => {
  const res = await fetch(`${g.url}/api/llm/usage?${query}`, {
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  // biome-ignore lint/suspicious/noExplicitAny: test answers are read loosely
  return { status: res.status, body: (await res.json()) as any };
};

describe('GET /api/llm/usage?interval=', () => {
  it('sums per hour and per UTC day and group, oldest first', async () => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    const row = { subject: 'admin-key', endpoint: 'chat', durationMs: 5, status: 'ok' };
    await g.server.context.database.db.insert(llmUsage).values([
      { ...row, at: twoDaysAgo, model: 'openai/gpt-4o-mini', promptTokens: 1, completionTokens: 1 },
      { ...row, at: hourAgo, model: 'claude', promptTokens: 10, completionTokens: 20 },
      { ...row, at: hourAgo, model: 'claude', promptTokens: 1, completionTokens: 2, status: 'error' },
    ]);
    g.openai.enqueue(turn(say('Hi'), finish('stop'), usage(7, 3)));
    const call = await g.post('/v1/chat/completions', {
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(call.status).toBe(200);

    const hourly = await get('by=model&days=3&interval=hour');
    expect(hourly.status).toBe(200);
    expect(hourly.body.interval).toBe('hour');
    const hour = (d: Date) => `${d.toISOString().slice(0, 13)}:00:00Z`;
    expect(hourly.body.series).toEqual([
      {
        at: hour(twoDaysAgo),
        group: 'openai/gpt-4o-mini',
        requests: 1,
        promptTokens: 1,
        completionTokens: 1,
        errors: 0,
      },
      { at: hour(hourAgo), group: 'claude', requests: 2, promptTokens: 11, completionTokens: 22, errors: 1 },
      {
        at: hour(new Date()),
        group: 'openai/gpt-4o-mini',
        requests: 1,
        promptTokens: 7,
        completionTokens: 3,
        errors: 0,
      },
    ]);
    // The totals are the series' sums.
    expect(hourly.body.totals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ group: 'openai/gpt-4o-mini', requests: 2, promptTokens: 8 }),
        expect.objectContaining({ group: 'claude', requests: 2, errors: 1 }),
      ]),
    );

    const daily = await get('by=model&days=1&interval=day');
    const day = (d: Date) => `${d.toISOString().slice(0, 10)}T00:00:00Z`;
    // Points start at UTC midnight; days=1 leaves the row from two days ago out.
    for (const p of daily.body.series as Array<{ at: string }>) expect(p.at).toBe(day(new Date(p.at)));
    expect(daily.body.series.reduce((n: number, p: { requests: number }) => n + p.requests, 0)).toBe(3);
  });

  it('answers without a series unless asked, and refuses an unknown interval', async () => {
    const plain = await get('by=model');
    expect(plain.status).toBe(200);
    expect(plain.body.series).toBeUndefined();
    const bad = await get('interval=minute');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });
});
