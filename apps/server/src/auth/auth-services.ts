/**
 * The access-control services built together: users, API keys, sessions, the audit log and the
 * bootstrap admin key, the model decisions (authorize() over the registry's access lookups), with the
 * background flush of key usage and pruning of expired sessions.
 */
import type { Db } from '../db/database.js';
import { AuditLog } from './audit-log.js';
import { KeyService } from './key-service.js';
import { type ModelAccessLookup, ModelAuthorizer } from './model-authorizer.js';
import type { Principal } from './principal.js';
import { SCOPES } from './scopes.js';
import { safeEqual, sha256 } from './secrets.js';
import { SessionService } from './session-service.js';
import { UserService } from './user-service.js';

export interface AuthOptions {
  adminKey: string | undefined;
  sessionTtlMs: number;
  /** How often buffered key usage is written (default 5 s). */
  flushIntervalMs?: number;
}

export interface AuthServices {
  users: UserService;
  keys: KeyService;
  sessions: SessionService;
  audit: AuditLog;
  /** May this principal see / use / manage model X; filtering lists (authorize.ts, model-authorizer.ts). */
  models: ModelAuthorizer;
  /** The bootstrap principal when `key` is `MODELGARDEN_ADMIN_KEY`. */
  bootstrap(key: string): Principal | null;
  close(): Promise<void>;
}

export function createAuthServices(
  db: Db,
  options: AuthOptions,
  modelAccess: ModelAccessLookup,
): AuthServices {
  const keys = new KeyService(db);
  const sessions = new SessionService(db, options.sessionTtlMs);
  const adminHash = options.adminKey ? sha256(options.adminKey) : undefined;
  let flushing = Promise.resolve();
  const flush = () => {
    flushing = flushing.then(() => keys.flush()).catch(() => undefined);
    return flushing;
  };
  const timer = setInterval(() => {
    void flush();
    void sessions.prune().catch(() => undefined);
  }, options.flushIntervalMs ?? 5_000);
  timer.unref();
  return {
    users: new UserService(db),
    keys,
    sessions,
    audit: new AuditLog(db),
    models: new ModelAuthorizer(modelAccess),
    bootstrap(key) {
      return adminHash && safeEqual(sha256(key), adminHash)
        ? { kind: 'bootstrap', scopes: [...SCOPES] }
        : null;
    },
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
