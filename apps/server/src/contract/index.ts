/**
 * The HTTP contract: every route's request and response as a zod schema, defined here once. Routes
 * validate with these, the OpenAPI document (/docs/json) is generated from them, and the SDK's types
 * are generated from that document (`npm run sdk:generate`). New routes' schemas live here too — the
 * OpenAI-compatible `/v1` routes included (their wire format gets its own file in this folder).
 */
export * from './auth-schemas.js';
export * from './registry-schemas.js';
export * from './schemas.js';
