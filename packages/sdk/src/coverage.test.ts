// Every route in the server's OpenAPI document has an SDK method, and every method here names a route
// that exists: a route added without one fails this test. The `/v1` routes speak OpenAI's wire
// format and are used with OpenAI's own clients (baseURL `<server>/v1`), so they are left out.

import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../apps/server/src/http/openapi-document.js';
import { ModelGardenClient } from './index.js';

const ROUTES: Record<string, keyof ModelGardenClient | Array<keyof ModelGardenClient>> = {
  'GET /metrics': 'prometheusMetrics',
  'GET /health/live': 'health',
  'GET /health/ready': 'ready',
  'GET /api/models/{name}/prediction-logging': 'getPredictionLogging',
  'PUT /api/models/{name}/prediction-logging': 'setPredictionLogging',
  'GET /api/models/{name}/predictions': 'listPredictions',
  'GET /api/models/{name}/predictions.csv': 'exportPredictionsCsv',
  'PUT /api/models/{name}/versions/{version}/reference': 'setReference',
  'GET /api/models/{name}/versions/{version}/reference': 'getReference',
  'POST /api/models/{name}/versions/{version}/reference/from-window': 'setReferenceFromWindow',
  'GET /api/models/{name}/drift': 'drift',
  'GET /api/metrics/summary': 'metricsSummary',
  'GET /api/models': ['listModels', 'searchModels'],
  'POST /api/models': 'createModel',
  'PATCH /api/models/{name}': 'updateModel',
  'GET /api/models/{name}': 'getModel',
  'GET /api/models/{name}/versions/{version}': 'getVersion',
  'PATCH /api/models/{name}/versions/{version}': 'updateVersion',
  'DELETE /api/models/{name}/versions/{version}': 'deleteVersion',
  'POST /api/models/{name}/versions': 'pushModel',
  'POST /api/models/{name}/versions/{version}/archive': 'archiveVersion',
  'POST /api/models/{name}/versions/{version}/restore': 'restoreVersion',
  'GET /api/models/{name}/aliases': 'listAliases',
  'PUT /api/models/{name}/aliases/{alias}': ['setAlias', 'splitTraffic'],
  'DELETE /api/models/{name}/aliases/{alias}': 'deleteAlias',
  'POST /api/models/{name}/aliases/{alias}/rollback': 'rollback',
  'GET /api/models/{name}/aliases/{alias}/history': 'aliasHistory',
  'POST /api/models/{name}/predict': ['predict', 'predictImage'],
  'GET /api/models/{name}/versions/{version}/serving-config': 'getServingConfig',
  'PUT /api/models/{name}/versions/{version}/serving-config': 'setServingConfig',
  'GET /v2': 'serverMetadata',
  'GET /v2/health/live': 'serverLive',
  'GET /v2/health/ready': 'serverReady',
  'GET /v2/models/{name}': 'modelMetadata',
  'GET /v2/models/{name}/versions/{version}': 'modelMetadata',
  'GET /v2/models/{name}/ready': 'modelReady',
  'GET /v2/models/{name}/versions/{version}/ready': 'modelReady',
  'POST /v2/models/{name}/infer': 'infer',
  'POST /v2/models/{name}/versions/{version}/infer': 'infer',
  'GET /api/session': 'whoami',
  'POST /api/session': 'login',
  'DELETE /api/session': 'logout',
  'POST /api/session/password': 'changePassword',
  'GET /api/users': 'listUsers',
  'POST /api/users': 'createUser',
  'GET /api/users/{name}': 'getUser',
  'PATCH /api/users/{name}': 'updateUser',
  'POST /api/users/{name}/password': 'resetPassword',
  'GET /api/keys': 'listKeys',
  'POST /api/keys': 'createKey',
  'DELETE /api/keys/{id}': 'revokeKey',
  'GET /api/audit': 'audit',
  'GET /api/llm/keys/{id}': 'getLlmKeySettings',
  'PUT /api/llm/keys/{id}': 'setLlmKeySettings',
  'GET /api/llm/usage': 'llmUsage',
  'GET /api/llm/providers': 'llmProviders',
  'POST /api/llm/providers': 'createLlmProvider',
  'GET /api/llm/providers/{name}': 'getLlmProvider',
  'PATCH /api/llm/providers/{name}': 'updateLlmProvider',
  'DELETE /api/llm/providers/{name}': 'deleteLlmProvider',
  'GET /api/llm/aliases': 'listLlmAliases',
  'POST /api/llm/aliases': 'createLlmAlias',
  'GET /api/llm/aliases/{name}': 'getLlmAlias',
  'PATCH /api/llm/aliases/{name}': 'updateLlmAlias',
  'DELETE /api/llm/aliases/{name}': 'deleteLlmAlias',
  'GET /api/conversations': 'listConversations',
  'POST /api/conversations': 'createConversation',
  'GET /api/conversations/{id}': 'getConversation',
  'PATCH /api/conversations/{id}': 'updateConversation',
  'DELETE /api/conversations/{id}': 'deleteConversation',
  'POST /api/conversations/{id}/messages': 'appendMessages',
  'GET /api/collections': 'listCollections',
  'POST /api/collections': 'createCollection',
  'GET /api/collections/{name}': 'getCollection',
  'DELETE /api/collections/{name}': 'deleteCollection',
  'POST /api/collections/{name}/documents': 'uploadDocument',
  'GET /api/collections/{name}/documents': 'listDocuments',
  'GET /api/collections/{name}/documents/{id}': 'getDocument',
  'DELETE /api/collections/{name}/documents/{id}': 'deleteDocument',
  'POST /api/collections/{name}/search': 'searchCollection',
  'POST /api/collections/{name}/evaluate': 'evaluateCollection',
  'GET /api/collections/{name}/evaluation': 'collectionEvaluation',
};

describe('SDK coverage of the API', () => {
  it('has a method for every route in the OpenAPI document, and no method for a route that is gone', async () => {
    const doc = (await openApiDocument()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(doc.paths)
      .filter(([path]) => !path.startsWith('/v1/'))
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((method) => ['get', 'put', 'post', 'patch', 'delete'].includes(method))
          .map((method) => `${method.toUpperCase()} ${path}`),
      );
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((op) => !(op in ROUTES))).toEqual([]);
    expect(Object.keys(ROUTES).filter((op) => !operations.includes(op))).toEqual([]);
    const methods = Object.values(ROUTES).flat();
    expect(methods.filter((name) => typeof ModelGardenClient.prototype[name] !== 'function')).toEqual([]);
  });
});
