/**
 * The HTTP contract: every route's request and response as a zod schema, defined here once. Routes
 * validate with these, the OpenAPI document (/docs/json) is generated from them, the domain's data
 * types are z.infer of them, and the SDK's types are generated from that document
 * (`npm run sdk:generate` → packages/sdk/src/generated/openapi.ts).
 *
 * New routes' schemas live here too: the OpenAI-compatible `/v1` routes included (their wire format
 * gets its own file in this folder, e.g. `openai-schemas.ts`). Files here import zod, each other and the
 * constant lists of auth/scopes.ts; like the domain folders, nothing of Fastify or http/ (biome.json).
 */
export * from './auth-schemas.js';
export * from './health-schemas.js';
export * from './model-metadata-schemas.js';
export * from './observability-schemas.js';
export * from './oip-schemas.js';
export * from './registry-schemas.js';
export * from './schemas.js';
export * from './serving-config-schemas.js';
