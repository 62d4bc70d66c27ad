// The OpenAPI document built from the contract: valid OpenAPI 3.1 (Redocly's structural rules), and
// every route's request and response in it, the bodies the handlers read themselves included.
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi-document.js';

type Operation = {
  requestBody?: { content: Record<string, { schema: { $ref?: string; properties?: object } }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
};
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: object };

let doc: Doc;
beforeAll(async () => {
  doc = (await openApiDocument()) as unknown as Doc;
});

async function structuralErrors(document: unknown): Promise<string[]> {
  const config = await createConfig({ rules: { struct: 'error' } });
  const problems = await lintFromString({
    source: JSON.stringify(document),
    config,
    absoluteRef: 'openapi.json',
  });
  return problems
    .filter((p) => p.severity === 'error')
    .map((p) => `${p.message} at ${p.location[0]?.pointer ?? '?'}`);
}

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, method, op })),
  );

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1, and the check fails on a broken document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(await structuralErrors(doc)).toEqual([]);
    const broken = structuredClone(doc) as unknown as { paths: Record<string, unknown> };
    broken.paths['/broken'] = { get: { responses: 'none' } };
    expect(await structuralErrors(broken)).not.toEqual([]);
  });

  it('documents the predict body as JSON and as multipart pictures, and the push as a multipart form', () => {
    const predict = doc.paths['/api/models/{name}/predict']?.post?.requestBody?.content;
    expect(predict?.['application/json']?.schema.$ref).toBe('#/components/schemas/PredictRequestInput');
    expect(predict?.['multipart/form-data']?.schema.$ref).toBe('#/components/schemas/PredictImagesFormInput');
    const push = doc.paths['/api/models/{name}/versions']?.post?.requestBody?.content;
    expect(push?.['multipart/form-data']?.schema.$ref).toBe('#/components/schemas/PushVersionFormInput');
    const reference = doc.paths['/api/models/{name}/versions/{version}/reference']?.put?.requestBody?.content;
    expect(Object.keys(reference ?? {})).toEqual(['text/csv']);
  });

  it('gives every route a documented answer, and every PUT, PATCH and body-taking POST a body', () => {
    // Routes that take no body: archive, restore and rollback act on what the path names.
    const noBody = new Set([
      'POST /api/models/{name}/versions/{version}/archive',
      'POST /api/models/{name}/versions/{version}/restore',
      'POST /api/models/{name}/aliases/{alias}/rollback',
    ]);
    const missing: string[] = [];
    for (const { route, method, op } of operations()) {
      const answers = Object.entries(op.responses);
      const success = answers.filter(([status]) => status.startsWith('2'));
      if (success.length === 0 || success.some(([status, r]) => status !== '204' && !r.content))
        missing.push(`${route}: answer`);
      if (['put', 'patch', 'post'].includes(method) && !op.requestBody && !noBody.has(route))
        missing.push(`${route}: body`);
    }
    expect(missing).toEqual([]);
  });

  it("documents the /v1 answers in OpenAI's shapes: JSON or an event stream, and OpenAI's error", () => {
    type Content = Record<string, { schema: { $ref?: string } }>;
    const refOf = (path: string, method: string, status: string, media = 'application/json') =>
      ((doc.paths[path]?.[method]?.responses[status]?.content ?? {}) as Content)[media]?.schema.$ref;
    const chat = '/v1/chat/completions';
    expect(refOf(chat, 'post', '200')).toBe('#/components/schemas/ChatCompletion');
    expect(refOf(chat, 'post', '200', 'text/event-stream')).toBe(
      '#/components/schemas/ChatCompletionEventStream',
    );
    for (const status of ['400', '401', '404', '429', '502'])
      expect(refOf(chat, 'post', status)).toBe('#/components/schemas/OpenAiError');
    expect(refOf('/v1/embeddings', 'post', '200')).toBe('#/components/schemas/EmbeddingList');
    expect(refOf('/v1/models', 'get', '200')).toBe('#/components/schemas/OpenAiModelList');
    const schemas = (doc.components as { schemas: Record<string, { properties?: Record<string, unknown> }> })
      .schemas;
    // The stream's chunk is a component of its own, so clients get its type.
    expect(Object.keys(schemas.ChatCompletionChunk?.properties ?? {})).toEqual(
      expect.arrayContaining(['id', 'object', 'created', 'model', 'choices', 'usage']),
    );
  });
});
