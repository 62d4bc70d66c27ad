/**
 * The model decisions of authorize.ts over the registry's cached access lookups: what the HTTP layer,
 * the LLM gateway and MCP call to ask "may this principal use model X" and to filter lists. Checks
 * answer synchronously when the model's access is cached (every prediction after the first), so the
 * prediction path pays no promise for them (docs/performance.md).
 */
import { modelNameTaken } from '../registry/model-access.js';
import { assertModelName } from '../registry/names.js';
import {
  type AccessRequest,
  authorize,
  authorizeModel,
  changeOfAccess,
  type ModelAccess,
  type ModelAction,
  maySee,
  visibleTo,
} from './authorize.js';
import type { Principal } from './principal.js';

/** The registry's access store as far as the decisions need it (registry/model-access.ts). */
export interface ModelAccessLookup {
  /** The cached answer, or undefined when get() would have to ask the database. */
  cached(name: string): ModelAccess | null | undefined;
  /** The model's access, or null when there is no such model. */
  get(name: string): Promise<ModelAccess | null>;
  set(name: string, access: ModelAccess): Promise<void>;
}

export class ModelAuthorizer {
  constructor(private readonly access: ModelAccessLookup) {}

  /**
   * Throws MODEL_NOT_FOUND for a missing or hidden model (the same answer: an invalid name is
   * INVALID_MODEL_NAME first, for both), FORBIDDEN for a `set-access` the caller may not make.
   * Returns undefined when decided from the cache, else a promise. `missingPasses`: a model this
   * process does not know is let through (an `api` replica forwarding to the inference replica, which
   * decides with the same rule); a hidden one is still refused.
   */
  check(
    principal: Principal,
    action: ModelAction,
    name: string,
    missingPasses = false,
  ): void | Promise<void> {
    assertModelName(name);
    const cached = this.access.cached(name);
    if (cached !== undefined) return this.decide(principal, action, name, cached, missingPasses);
    return this.access
      .get(name)
      .then((access) => this.decide(principal, action, name, access, missingPasses));
  }

  private decide(
    principal: Principal,
    action: ModelAction,
    name: string,
    access: ModelAccess | null,
    missingPasses: boolean,
  ): void {
    if (access === null && missingPasses) return;
    authorizeModel(principal, action, name, access);
  }

  /**
   * A push names its model and creates a missing one; to a model hidden from the caller it answers
   * as a create of a taken name does (MODEL_EXISTS, the same as for a visible model).
   */
  async checkPush(principal: Principal, name: string): Promise<void> {
    assertModelName(name);
    const access = await this.access.get(name);
    if (access !== null && !maySee(principal, access)) throw modelNameTaken(name);
  }

  /** May this principal see and use model `name`? False for a missing model and an invalid name. */
  async mayUse(principal: Principal, name: string): Promise<boolean> {
    try {
      assertModelName(name);
    } catch {
      return false;
    }
    return maySee(principal, await this.access.get(name));
  }

  /** The names among `names` whose models exist and the principal may see, in order. */
  async filterNames(principal: Principal, names: readonly string[]): Promise<string[]> {
    const allowed = await Promise.all(names.map((name) => this.mayUse(principal, name)));
    return names.filter((_, i) => allowed[i]);
  }

  /** Filters anything that carries a model's access (`visibility`, `team`). */
  filter<T extends ModelAccess>(principal: Principal, items: readonly T[]): T[] {
    return visibleTo(principal, items);
  }

  /**
   * Changes a model's visibility or team from an edit body: only its managers (admins, its team's
   * members), and members only to their own team. Nothing happens when the body sets neither.
   */
  async setAccess(principal: Principal, name: string, request: AccessRequest): Promise<void> {
    if (request.visibility === undefined && request.team === undefined) return;
    const current = await this.access.get(name);
    authorize(principal, 'set-access', { name, access: current });
    const next = changeOfAccess(principal, current, request);
    if (next) await this.access.set(name, next);
  }
}
