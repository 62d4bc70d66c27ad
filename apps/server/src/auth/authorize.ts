/**
 * The access decisions, in one place for every way in (REST and OIP routes today; the LLM gateway,
 * whose chat requests name their model in the body, and MCP next): may this caller call a route of
 * this rule, may it see or use this model, may it change the model's visibility or team. Pure
 * functions of the principal and the resource; no Fastify, no database (the cached lookups sit in
 * model-authorizer.ts). See docs/security-access.md.
 */
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { ModelAccess, Visibility } from '../registry/model-access.js';
import { assertUserName } from './names.js';
import type { Principal } from './principal.js';
import { grants, type Scope } from './scopes.js';

export type { ModelAccess, Visibility };

/** Who may call a route. Each route declares one (http/route-traits.ts); the start fails without. */
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

export const PUBLIC: Rule = { access: 'public' };
export const METRICS: Rule = { access: 'metrics' };
export const SIGNED_IN: Rule = { access: 'signed-in' };
export const read = (scope: Scope): Rule => ({ access: 'read', scope });
export const write = (scope: Scope): Rule => ({ access: 'write', scope });

export interface Caller {
  /** No credentials at all. */
  anonymous: boolean;
  /** Scopes of the credentials (empty when anonymous). */
  scopes: readonly Scope[];
}

/** Where the request comes from, as far as the rules care (loopback bind and client, config). */
export interface Setting {
  /** Anonymous reads are allowed here (loopback bind and client, ALLOW_ANONYMOUS_LOOPBACK). */
  anonymousReads: boolean;
  /** ANONYMOUS_LOOPBACK_WRITES on a loopback bind (tests, a single-user laptop). */
  anonymousWrites: boolean;
  metricsPublic: boolean;
}

export type Decision = 'allow' | 'unauthenticated' | 'forbidden';

const MODELS_READ = read('models:read');

/** What a route rule says for this caller. Pure. */
export function decide(
  rule: Rule,
  caller: Caller,
  setting: Setting,
  granted: (s: Scope) => boolean = (s) => grants(caller.scopes, s),
): Decision {
  return decision(rule, caller.anonymous, setting, granted);
}

/** decide() for a principal, without building a Caller (it runs on every request). */
export function decideFor(rule: Rule, principal: Principal, setting: Setting): Decision {
  return decision(
    rule,
    principal.kind === 'anonymous',
    setting,
    principal.kind === 'anonymous' ? NO_SCOPES : principal.scopes,
  );
}

const NO_SCOPES: readonly Scope[] = [];

/** A scope check from a list (no closure per request) or, for decide()'s callers, a function. */
function has(scopes: readonly Scope[] | ((s: Scope) => boolean), scope: Scope): boolean {
  return typeof scopes === 'function' ? scopes(scope) : grants(scopes, scope);
}

function decision(
  rule: Rule,
  anonymous: boolean,
  setting: Setting,
  scopes: readonly Scope[] | ((s: Scope) => boolean),
): Decision {
  switch (rule.access) {
    case 'public':
      return 'allow';
    case 'metrics':
      if (setting.metricsPublic) return 'allow';
      return decision(MODELS_READ, anonymous, setting, scopes);
    case 'read':
      if (anonymous) return setting.anonymousReads ? 'allow' : 'unauthenticated';
      return has(scopes, rule.scope) ? 'allow' : 'forbidden';
    case 'write':
      if (anonymous) return setting.anonymousWrites && rule.scope !== 'admin' ? 'allow' : 'unauthenticated';
      return has(scopes, rule.scope) ? 'allow' : 'forbidden';
    case 'signed-in':
      return anonymous ? 'unauthenticated' : 'allow';
  }
}

/** What the model queries need to filter by caller (admins: all; others: public + their team's). */
export interface Viewer {
  all: boolean;
  team: string | null;
}

/** Admins (and the bootstrap key) see and manage every model. */
export function isAdmin(principal: Principal): boolean {
  return principal.kind === 'bootstrap' || (principal.kind === 'user' && principal.scopes.includes('admin'));
}

export function teamOf(principal: Principal): string | null {
  return principal.kind === 'user' ? principal.team : null;
}

const ALL: Viewer = { all: true, team: null };
const NO_TEAM: Viewer = { all: false, team: null };

export function viewerOf(principal: Principal): Viewer {
  if (isAdmin(principal)) return ALL;
  const team = teamOf(principal);
  return team === null ? NO_TEAM : { all: false, team };
}

/** True when a viewer may see a model with `access`. */
export function canSee(access: ModelAccess, viewer: Viewer): boolean {
  return (
    viewer.all || access.visibility === 'public' || (viewer.team !== null && viewer.team === access.team)
  );
}

/**
 * What is asked of a model. `see` covers reading it and predicting with it (a caller who can see a
 * model may use it as far as its route rule allows); `set-access` is changing its visibility or team.
 */
export type ModelAction = 'see' | 'set-access';

/** A model as the decisions see it: its name and its access, or null when there is no such model. */
export interface ModelResource {
  name: string;
  access: ModelAccess | null;
}

/** The one answer for a model the caller may not know about: the same as for a missing one. */
export function modelNotFound(name: string): ModelGardenError {
  return new ModelGardenError('MODEL_NOT_FOUND', `Model "${name}" not found`, { details: { model: name } });
}

/**
 * The model decision: throws MODEL_NOT_FOUND when the model is missing or hidden from the caller
 * (the two answer alike, byte for byte) and FORBIDDEN for a `set-access` the caller may not make.
 * Returns nothing when allowed. For `set-access`, call changeOfAccess() to get the access to store.
 */
export function authorize(principal: Principal, action: ModelAction, model: ModelResource): void {
  authorizeModel(principal, action, model.name, model.access);
}

/** authorize() with the resource's parts as arguments: nothing is built on the prediction path. */
export function authorizeModel(
  principal: Principal,
  action: ModelAction,
  name: string,
  access: ModelAccess | null,
): void {
  if (access === null || !maySee(principal, access)) throw modelNotFound(name);
  if (action === 'set-access' && !managesAccess(principal, access))
    throw new ModelGardenError(
      'FORBIDDEN',
      `Only admins and the members of the model's team change who may see model "${name}"`,
      { details: { team: access.team } },
    );
}

/** Whether the caller may see the model (missing: false). Never throws, allocates nothing. */
export function maySee(principal: Principal, access: ModelAccess | null): boolean {
  if (access === null) return false;
  if (access.visibility === 'public' || isAdmin(principal)) return true;
  const team = teamOf(principal);
  return team !== null && team === access.team;
}

/** The model's managers: admins, and the members of its owning team. A model without a team: admins. */
function managesAccess(principal: Principal, access: ModelAccess): boolean {
  if (isAdmin(principal)) return true;
  const team = teamOf(principal);
  return team !== null && access.team === team;
}

/** The items (models, or anything carrying their access) the caller may see, in order. */
export function visibleTo<T extends ModelAccess>(principal: Principal, items: readonly T[]): T[] {
  const viewer = viewerOf(principal);
  return viewer.all ? [...items] : items.filter((item) => canSee(item, viewer));
}

/** A requested change of a model's access (from a create or edit body). */
export interface AccessRequest {
  visibility?: Visibility | undefined;
  team?: string | null | undefined;
}

/**
 * The access a model gets from a create (`current` null) or an edit, or undefined when the request
 * changes nothing. Members only give their own team; admins any. An edit must first pass
 * authorize(principal, 'set-access', …). A `team` model needs a team (INVALID_METADATA).
 */
export function changeOfAccess(
  principal: Principal,
  current: ModelAccess | null,
  request: AccessRequest,
): ModelAccess | undefined {
  if (request.visibility === undefined && request.team === undefined) return undefined;
  const own = teamOf(principal);
  const visibility = request.visibility ?? current?.visibility ?? 'public';
  const team =
    request.team !== undefined ? request.team : (current?.team ?? (visibility === 'team' ? own : null));
  if (team) assertUserName(team, 'team');
  if (!isAdmin(principal) && team !== null && team !== own)
    throw new ModelGardenError('FORBIDDEN', 'Only admins give a model to another team', {
      details: { team },
    });
  if (visibility === 'team' && !team)
    throw new ModelGardenError('INVALID_METADATA', 'A team-private model needs a team', {
      details: { field: 'team' },
    });
  return { visibility, team };
}
