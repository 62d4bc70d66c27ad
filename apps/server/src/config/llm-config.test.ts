import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLlmConfig } from './llm-config.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'mg-llm-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function yaml(name: string, text: string): Promise<string> {
  await writeFile(path.join(dir, name), text);
  return name;
}

describe('loadLlmConfig', () => {
  it('offers no provider without variables, and one per variable with the usual base URLs', () => {
    expect(loadLlmConfig({}, dir).providers).toEqual([]);
    const c = loadLlmConfig(
      {
        OPENAI_API_KEY: 'sk-1',
        OLLAMA_BASE_URL: 'http://127.0.0.1:11434/',
        ANTHROPIC_API_KEY: 'a',
        GEMINI_API_KEY: 'g',
      },
      dir,
    );
    expect(c.providers.map((p) => [p.name, p.kind, p.baseUrl, p.apiKey])).toEqual([
      ['openai', 'openai-compatible', 'https://api.openai.com/v1', 'sk-1'],
      ['ollama', 'openai-compatible', 'http://127.0.0.1:11434/v1', undefined],
      ['anthropic', 'anthropic', 'https://api.anthropic.com', 'a'],
      ['gemini', 'gemini', 'https://generativelanguage.googleapis.com', 'g'],
    ]);
    expect(c.timeouts).toEqual({ connectMs: 10_000, firstTokenMs: 60_000, totalMs: 600_000 });
    expect(() => loadLlmConfig({ OPENAI_BASE_URL: 'ftp://x' }, dir)).toThrow(/OPENAI_BASE_URL/);
  });

  it('reads providers, aliases, timeouts and limits from LLM_CONFIG', async () => {
    const file = await yaml(
      'good.yaml',
      [
        'providers:',
        '  - { name: vllm, kind: openai-compatible, baseUrl: "http://gpu:8000/v1/", apiKeyEnv: VLLM_KEY }',
        'aliases:',
        '  chat-default:',
        '    deployments: [{ model: vllm/llama, weight: 3 }, openai/gpt-4o-mini]',
        '    fallbacks: [vllm/small]',
        'timeouts: { firstTokenMs: 5000 }',
        'limits: { tokensPerDay: 1000 }',
        'catalogRefreshSeconds: 0',
      ].join('\n'),
    );
    const c = loadLlmConfig({ LLM_CONFIG: file, VLLM_KEY: 'secret', OPENAI_API_KEY: 'sk' }, dir);
    expect(c.providers.find((p) => p.name === 'vllm')).toMatchObject({
      baseUrl: 'http://gpu:8000/v1',
      apiKey: 'secret',
    });
    expect(c.aliases['chat-default']).toEqual({
      deployments: [
        { model: 'vllm/llama', weight: 3 },
        { model: 'openai/gpt-4o-mini', weight: 1 },
      ],
      fallbacks: ['vllm/small'],
    });
    expect(c.timeouts).toMatchObject({ firstTokenMs: 5000, totalMs: 600_000 });
    expect(c.defaultLimits).toEqual({ tokensPerDay: 1000 });
    expect(c.catalogRefreshMs).toBe(0);
  });

  it('names the file and the field of a mistake', async () => {
    const bad = await yaml('bad.yaml', 'aliases:\n  chat: { deployments: [{ model: nope, weight: -1 }] }\n');
    expect(() => loadLlmConfig({ LLM_CONFIG: bad }, dir)).toThrow(
      /LLM_CONFIG \(.*bad\.yaml\): aliases\.chat\.deployments\.0/,
    );
    const unknown = await yaml('unknown.yaml', 'aliases:\n  chat: { deployments: [ghost/m] }\n');
    expect(() => loadLlmConfig({ LLM_CONFIG: unknown }, dir)).toThrow(
      /aliases\.chat\.deployments\.0: no provider named "ghost"/,
    );
    const typo = await yaml('typo.yaml', 'timeout: { totalMs: 5 }\n');
    expect(() => loadLlmConfig({ LLM_CONFIG: typo }, dir)).toThrow(/LLM_CONFIG .*timeout/);
    const keyless = await yaml(
      'keyless.yaml',
      'providers: [{ name: claude, kind: anthropic, baseUrl: "http://x" }]\n',
    );
    expect(() => loadLlmConfig({ LLM_CONFIG: keyless }, dir)).toThrow(/providers\.0\.apiKey: required/);
    const env = await yaml(
      'env.yaml',
      'providers: [{ name: v, kind: openai-compatible, baseUrl: "http://x", apiKeyEnv: MISSING }]\n',
    );
    expect(() => loadLlmConfig({ LLM_CONFIG: env }, dir)).toThrow(
      /providers\.0\.apiKeyEnv: MISSING is not set/,
    );
    const dup = await yaml(
      'dup.yaml',
      'providers: [{ name: openai, kind: openai-compatible, baseUrl: "http://x" }]\n',
    );
    expect(() => loadLlmConfig({ LLM_CONFIG: dup, OPENAI_API_KEY: 'k' }, dir)).toThrow(
      /providers\.0\.name: "openai" is already configured/,
    );
    expect(() => loadLlmConfig({ LLM_CONFIG: 'missing.yaml' }, dir)).toThrow(/LLM_CONFIG .*missing\.yaml/);
    const broken = await yaml('broken.yaml', 'aliases: [\n');
    expect(() => loadLlmConfig({ LLM_CONFIG: broken }, dir)).toThrow(/LLM_CONFIG \(.*broken\.yaml\)/);
  });
});
