/**
 * The one authorisation table: every route (method + template) → who may call it. The auth hook
 * (auth-hook.ts) enforces it and refuses to start when a route has no entry, so nothing is open by
 * accident. `HEAD` follows `GET`.
 */
import type { Scope } from '../auth/scopes.js';

export type Rule =
  /** Always open: probes, the login endpoints, the web app's static files. */
  | { access: 'public' }
  /** `/metrics`: open when METRICS_PUBLIC, else needs `models:read`. */
  | { access: 'metrics' }
  /** Reads and predictions: the scope, or anonymous while the server binds to loopback. */
  | { access: 'read'; scope: Scope }
  /** Changes: always credentials with the scope (anonymous only under ANONYMOUS_LOOPBACK_WRITES). */
  | { access: 'write'; scope: Scope }
  /** Any signed-in user or key, for their own account (keys, password); never anonymous. */
  | { access: 'signed-in' };

const PUBLIC: Rule = { access: 'public' };
const read = (scope: Scope): Rule => ({ access: 'read', scope });
const write = (scope: Scope): Rule => ({ access: 'write', scope });
const SIGNED_IN: Rule = { access: 'signed-in' };
const M = '/api/models/:name';
const V = `${M}/versions/:version`;

export const POLICY: Readonly<Record<string, Rule>> = {
  'GET /health/live': PUBLIC,
  'GET /health/ready': PUBLIC,
  'GET /v2/health/live': PUBLIC,
  'GET /v2/health/ready': PUBLIC,
  'GET /metrics': { access: 'metrics' },

  'GET /api/session': PUBLIC,
  'POST /api/session': PUBLIC,
  'DELETE /api/session': PUBLIC,
  'POST /api/session/password': SIGNED_IN,

  'GET /docs': read('models:read'),
  'GET /docs/': read('models:read'),
  'GET /docs/json': read('models:read'),
  'GET /docs/yaml': read('models:read'),
  'GET /docs/static/*': read('models:read'),
  'GET /docs/static/index.html': read('models:read'),
  'GET /docs/static/swagger-initializer.js': read('models:read'),

  'GET /api/models': read('models:read'),
  'POST /api/models': write('models:write'),
  [`GET ${M}`]: read('models:read'),
  [`PATCH ${M}`]: write('models:write'),
  [`POST ${M}/versions`]: write('models:write'),
  [`GET ${V}`]: read('models:read'),
  [`PATCH ${V}`]: write('models:write'),
  [`DELETE ${V}`]: write('models:write'),
  [`POST ${V}/archive`]: write('models:write'),
  [`POST ${V}/restore`]: write('models:write'),
  [`GET ${M}/aliases`]: read('models:read'),
  [`PUT ${M}/aliases/:alias`]: write('models:write'),
  [`DELETE ${M}/aliases/:alias`]: write('models:write'),
  [`POST ${M}/aliases/:alias/rollback`]: write('models:write'),
  [`GET ${M}/aliases/:alias/history`]: read('models:read'),
  [`GET ${V}/serving-config`]: read('models:read'),
  [`PUT ${V}/serving-config`]: write('models:write'),

  [`POST ${M}/predict`]: read('predict'),
  'GET /v2': read('predict'),
  'GET /v2/models/:name': read('predict'),
  'GET /v2/models/:name/versions/:version': read('predict'),
  'GET /v2/models/:name/ready': read('predict'),
  'GET /v2/models/:name/versions/:version/ready': read('predict'),
  'POST /v2/models/:name/infer': read('predict'),
  'POST /v2/models/:name/versions/:version/infer': read('predict'),

  'GET /api/metrics/summary': read('models:read'),
  [`GET ${M}/prediction-logging`]: read('models:read'),
  [`PUT ${M}/prediction-logging`]: write('models:write'),
  [`GET ${M}/predictions`]: read('models:read'),
  [`GET ${M}/predictions.csv`]: read('models:read'),
  [`GET ${V}/reference`]: read('models:read'),
  [`PUT ${V}/reference`]: write('models:write'),
  [`POST ${V}/reference/from-window`]: write('models:write'),
  [`GET ${M}/drift`]: read('models:read'),

  'GET /api/users': write('admin'),
  'POST /api/users': write('admin'),
  'GET /api/users/:name': write('admin'),
  'PATCH /api/users/:name': write('admin'),
  'POST /api/users/:name/password': write('admin'),
  'GET /api/keys': SIGNED_IN,
  'POST /api/keys': SIGNED_IN,
  'DELETE /api/keys/:id': SIGNED_IN,
  'GET /api/audit': write('admin'),
};

/** The rule for a route, or undefined when the table has none (the hook then fails closed). */
/** Rules by method, then route template: the per-request lookup without building a key string. */
const RULES = new Map<string, Map<string, Rule>>();
for (const [key, rule] of Object.entries(POLICY)) {
  const [method, template] = [key.slice(0, key.indexOf(' ')), key.slice(key.indexOf(' ') + 1)];
  const byTemplate = RULES.get(method) ?? new Map<string, Rule>();
  RULES.set(method, byTemplate);
  byTemplate.set(template, rule);
}

export function ruleFor(method: string, template: string): Rule | undefined {
  return RULES.get(method === 'HEAD' ? 'GET' : method)?.get(template);
}

export interface Caller {
  /** No credentials at all. */
  anonymous: boolean;
  /** Scopes of the credentials (empty when anonymous). */
  scopes: readonly Scope[];
}

export interface Setting {
  /** Anonymous reads are allowed here (loopback bind and client, ALLOW_ANONYMOUS_LOOPBACK). */
  anonymousReads: boolean;
  /** ANONYMOUS_LOOPBACK_WRITES on a loopback bind (tests, a single-user laptop). */
  anonymousWrites: boolean;
  metricsPublic: boolean;
}

export type Decision = 'allow' | 'unauthenticated' | 'forbidden';

/** What the rule says for this caller: pure, so the matrix test and the hook agree by construction. */
export function decide(
  rule: Rule,
  caller: Caller,
  setting: Setting,
  grants: (s: Scope) => boolean,
): Decision {
  switch (rule.access) {
    case 'public':
      return 'allow';
    case 'metrics':
      if (setting.metricsPublic) return 'allow';
      return decide(read('models:read'), caller, setting, grants);
    case 'read':
      if (caller.anonymous) return setting.anonymousReads ? 'allow' : 'unauthenticated';
      return grants(rule.scope) ? 'allow' : 'forbidden';
    case 'write':
      if (caller.anonymous)
        return setting.anonymousWrites && rule.scope !== 'admin' ? 'allow' : 'unauthenticated';
      return grants(rule.scope) ? 'allow' : 'forbidden';
    case 'signed-in':
      return caller.anonymous ? 'unauthenticated' : 'allow';
  }
}
