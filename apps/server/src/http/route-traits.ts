/**
 * What a route is, declared in its own options (`config: traits(…)`), so every hook selects on the
 * route's declaration instead of on lists of route templates: who may call it, what kind it is, the
 * shape of its errors, whether an api replica forwards it, honours Idempotency-Key, logs predictions,
 * copies to shadows, sheds early, and whether its `:name` names a registry model. Hooks read the
 * traits when the route is registered (addRouteHook) or from `routeOf(req).config.traits`, a
 * reference stored once per route: nothing is built per request. The start fails when a route
 * declares no traits (auth-hook.ts); routes that plugins add (the docs UI, the web app's files) get
 * theirs from pluginRouteTraits().
 */
import type { FastifyRequest, RouteOptions } from 'fastify';
import { PUBLIC, type Rule, read } from '../auth/authorize.js';
import { routeOf } from './route-hooks.js';

/** `rest`: `{"error":{"code","message","details"?}}`; `oip`: `{"error":"message"}`; `openai`: OpenAI's. */
export type ErrorFormat = 'rest' | 'oip' | 'openai';

export type RouteKind =
  /** Answers from one resolved version of a model: friendly predict, OIP infer. */
  | 'prediction'
  /** OIP server and model metadata and readiness. */
  | 'inference-metadata'
  | 'registry'
  | 'observability'
  | 'access'
  | 'probe'
  | 'docs'
  | 'web'
  /** The LLM gateway's OpenAI-compatible routes. */
  | 'llm'
  /** Knowledge-base collections, their documents and search (`/api/collections`). */
  | 'retrieval';

export interface RouteTraits {
  /** Who may call it (auth/authorize.ts decide()). */
  readonly policy: Rule;
  readonly kind: RouteKind;
  readonly errors: ErrorFormat;
  /**
   * `:name` names a registry model: `existing` — a missing model and one hidden from the caller both
   * answer MODEL_NOT_FOUND before the route reads its input; `push` — the route creates a missing
   * model, so a hidden one is refused by the route itself (as taken, after the same input checks).
   */
  readonly model: 'existing' | 'push' | null;
  /** An `api` replica sends it to an inference replica (roles/forward-inference.ts). */
  readonly forward: boolean;
  /** Idempotency-Key: `body` replays answers keyed on the JSON body, `upload` on the pushed file. */
  readonly idempotency: 'body' | 'upload' | null;
  /** Its handler names the version that answered in `x-model-version` (served-version.ts). */
  readonly servedVersion: boolean;
  /** Feeds the prediction log, reading its answer as this protocol's (prediction-logging.ts). */
  readonly predictionLog: 'predict' | 'oip' | null;
  /** Copies JSON requests an alias served to the alias's shadow (shadow-dispatch.ts). */
  readonly shadow: boolean;
  /** Refused from its headers while its model sheds load (early-shedding.ts). */
  readonly earlyShedding: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's declaration: see route-traits.ts. */
    traits?: RouteTraits;
  }
}

const DEFAULTS = {
  errors: 'rest',
  model: null,
  forward: false,
  idempotency: null,
  servedVersion: false,
  predictionLog: null,
  shadow: false,
  earlyShedding: false,
} as const satisfies Partial<RouteTraits>;

/** A route's `config`: `config: traits(read('models:read'), 'registry', { model: 'existing' })`. */
export function traits(
  policy: Rule,
  kind: RouteKind,
  more: Partial<Omit<RouteTraits, 'policy' | 'kind'>> = {},
): { traits: RouteTraits } {
  return { traits: Object.freeze({ policy, kind, ...DEFAULTS, ...more }) };
}

/** A registry change (Idempotency-Key honoured): `write(scope)` with the body fingerprint. */
export function registryChange(policy: Rule, more: Partial<Omit<RouteTraits, 'policy' | 'kind'>> = {}) {
  return traits(policy, 'registry', { idempotency: 'body', ...more });
}

/** The prediction routes: forwarded, served-version header, prediction log, shadows, early shedding. */
export function prediction(policy: Rule, errors: ErrorFormat, predictionLog: 'predict' | 'oip') {
  return traits(policy, 'prediction', {
    errors,
    model: 'existing',
    forward: true,
    servedVersion: true,
    predictionLog,
    shadow: true,
    earlyShedding: true,
  });
}

/** Where the docs UI plugin (@fastify/swagger-ui) is registered; its routes cannot declare traits. */
export const DOCS_PREFIX = '/docs';
const DOCS = traits(read('models:read'), 'docs').traits;
const WEB = traits(PUBLIC, 'web').traits;

/**
 * Traits for routes a plugin registers (they take no options of ours): the docs UI's, by the prefix
 * it was registered under, and the web app's static files (@fastify/static marks them `config.file`).
 */
export function pluginRouteTraits(route: { prefix?: string; config?: unknown }): RouteTraits | undefined {
  if ((route.config as { file?: string } | undefined)?.file !== undefined) return WEB;
  if (route.prefix === DOCS_PREFIX) return DOCS;
  return undefined;
}

/** The traits of a registered route (after the check in auth-hook.ts every route has them). */
export function traitsOfRoute(route: Pick<RouteOptions, 'config'>): RouteTraits | undefined {
  return (route.config as { traits?: RouteTraits } | undefined)?.traits;
}

/** The matched route's traits; undefined when no route matched (404s, router errors). */
export function traitsOf(req: FastifyRequest): RouteTraits | undefined {
  return routeOf(req).config?.traits;
}

/** The error format for a request: its route's, else (no route matched) by the URL's API prefix. */
export function errorFormatOf(req: FastifyRequest): ErrorFormat {
  const declared = routeOf(req).config?.traits?.errors;
  if (declared !== undefined) return declared;
  const url = req.url;
  if (url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?')) return 'oip';
  if (url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?')) return 'openai';
  return 'rest';
}
