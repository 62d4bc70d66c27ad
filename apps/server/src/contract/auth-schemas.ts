/** Zod schemas of the users, keys, session and audit routes (they become the OpenAPI document). */
import { z } from 'zod';
import { ROLES, SCOPES } from '../auth/scopes.js';

const name = z.string().min(1).max(63);

export const userSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    role: z.enum(ROLES),
    team: z.string().nullable(),
    disabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'User' });

export const userListSchema = z.object({ users: z.array(userSchema) }).meta({ id: 'UserList' });

export const userNameParams = z.object({ name });

export const createUserBody = z
  .object({
    name,
    role: z.enum(ROLES).default('member'),
    team: name.nullable().optional(),
    password: z.string().max(256).optional(),
  })
  .strict()
  .meta({ id: 'CreateUserBody' });

export const updateUserBody = z
  .object({
    role: z.enum(ROLES).optional(),
    team: name.nullable().optional(),
    disabled: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'UpdateUserBody' });

export const passwordBody = z.object({ password: z.string().max(256).optional() }).strict();

/** A user with the password generated for them (shown once). */
export const userWithPasswordSchema = z
  .object({ user: userSchema, password: z.string().optional() })
  .meta({ id: 'UserWithPassword' });

export const apiKeySchema = z
  .object({
    id: z.number().int(),
    user: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.enum(SCOPES)),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    requestCount: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'ApiKey' });

export const apiKeyListSchema = z.object({ keys: z.array(apiKeySchema) }).meta({ id: 'ApiKeyList' });

export const keyIdParams = z.object({ id: z.coerce.number().int().positive() });

export const createKeyBody = z
  .object({
    name: z.string().min(1).max(100),
    scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    /** Admins may create keys for another user. */
    user: name.optional(),
  })
  .strict()
  .meta({ id: 'CreateKeyBody' });

export const createdKeySchema = apiKeySchema.extend({ key: z.string() }).meta({ id: 'CreatedApiKey' });

export const keysQuery = z
  .object({ user: name.optional(), all: z.enum(['true', 'false']).optional() })
  .strict();

export const loginBody = z.object({ name, password: z.string().min(1).max(256) }).strict();

export const sessionSchema = z
  .object({
    authenticated: z.boolean(),
    user: z.object({ name: z.string(), role: z.enum(ROLES), team: z.string().nullable() }).nullable(),
    via: z.string().nullable(),
    scopes: z.array(z.enum(SCOPES)),
    /** Send back as `x-csrf-token` on state-changing requests authenticated by the cookie. */
    csrfToken: z.string().nullable(),
    expiresAt: z.string().nullable(),
    /** Whether anonymous reads and predictions are allowed for this caller. */
    anonymousReads: z.boolean(),
  })
  .meta({ id: 'Session' });

export const changePasswordBody = z
  .object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().max(256) })
  .strict();

export const auditEntrySchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor: z.string().nullable(),
    via: z.string(),
    action: z.string(),
    target: z.string(),
    status: z.number().int(),
    ip: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEntry' });

export const auditPageSchema = z
  .object({ items: z.array(auditEntrySchema), nextCursor: z.number().int().nullable() })
  .meta({ id: 'AuditPage' });

export const auditQuery = z
  .object({
    actor: z.string().max(100).optional(),
    action: z.string().max(200).optional(),
    target: z.string().max(200).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    cursor: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
