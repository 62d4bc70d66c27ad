/**
 * The access-control services built together: users, API keys, sessions, the audit log and the
 * bootstrap admin key, with the background flush of key usage and pruning of expired sessions.
 */
import type { Db } from '../db/database.js';
import { AuditLog } from './audit-log.js';
import { KeyService } from './key-service.js';
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
  /** The bootstrap principal when `key` is `MODELGARDEN_ADMIN_KEY`. */
  bootstrap(key: string): Principal | null;
  close(): Promise<void>;
}

export function createAuthServices(db: Db, options: AuthOptions): AuthServices {
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
