/** The access decisions as pure functions: what the HTTP hook, the LLM gateway and MCP share. */
import { describe, expect, it } from 'vitest';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { openAiError } from '../http/error-handler.js';
import {
  authorize,
  changeOfAccess,
  decide,
  decideFor,
  maySee,
  read,
  type Setting,
  visibleTo,
  write,
} from './authorize.js';
import { ANONYMOUS, type Principal } from './principal.js';
import { ROLE_SCOPES, type Role } from './scopes.js';

const user = (role: Role, team: string | null): Principal => ({
  kind: 'user',
  userId: 1,
  name: `${role}-${team}`,
  role,
  team,
  scopes: [...ROLE_SCOPES[role]],
  via: 'session',
});
const RED_MEMBER = user('member', 'red');
const BLUE_MEMBER = user('member', 'blue');
const ADMIN = user('admin', null);
const ADMIN_KEY: Principal = { kind: 'bootstrap', scopes: [...ROLE_SCOPES.admin] };
const RED_PRIVATE = { visibility: 'team', team: 'red' } as const;
const RED_PUBLIC = { visibility: 'public', team: 'red' } as const;
const UNOWNED = { visibility: 'public', team: null } as const;

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'allowed';
  } catch (err) {
    return (err as ModelGardenError).code;
  }
};

describe('authorize', () => {
  it('answers a missing and a hidden model with the same error', () => {
    const hidden = codeOf(() => authorize(BLUE_MEMBER, 'see', { name: 'm', access: RED_PRIVATE }));
    const missing = codeOf(() => authorize(BLUE_MEMBER, 'see', { name: 'm', access: null }));
    expect([hidden, missing]).toEqual(['MODEL_NOT_FOUND', 'MODEL_NOT_FOUND']);
    expect(codeOf(() => authorize(RED_MEMBER, 'see', { name: 'm', access: RED_PRIVATE }))).toBe('allowed');
    expect(codeOf(() => authorize(ANONYMOUS, 'see', { name: 'm', access: RED_PUBLIC }))).toBe('allowed');
  });

  it("lets admins and the model's team change its access, nobody else", () => {
    const setAccess = (p: Principal, access: typeof RED_PUBLIC | typeof UNOWNED) =>
      codeOf(() => authorize(p, 'set-access', { name: 'm', access }));
    expect(setAccess(RED_MEMBER, RED_PUBLIC)).toBe('allowed');
    expect(setAccess(BLUE_MEMBER, RED_PUBLIC)).toBe('FORBIDDEN');
    expect(setAccess(RED_MEMBER, UNOWNED)).toBe('FORBIDDEN');
    expect(setAccess(ANONYMOUS, UNOWNED)).toBe('FORBIDDEN');
    expect(setAccess(ADMIN, UNOWNED)).toBe('allowed');
    expect(setAccess(ADMIN_KEY, RED_PUBLIC)).toBe('allowed');
  });

  it('gives members their own team only, and a private model always a team', () => {
    expect(changeOfAccess(RED_MEMBER, null, { visibility: 'team' })).toEqual(RED_PRIVATE);
    expect(changeOfAccess(RED_MEMBER, RED_PRIVATE, { visibility: 'public' })).toEqual(RED_PUBLIC);
    expect(changeOfAccess(RED_MEMBER, null, {})).toBeUndefined();
    expect(codeOf(() => changeOfAccess(RED_MEMBER, null, { team: 'blue' }))).toBe('FORBIDDEN');
    expect(changeOfAccess(ADMIN, RED_PUBLIC, { team: 'blue' })).toEqual({
      visibility: 'public',
      team: 'blue',
    });
    expect(codeOf(() => changeOfAccess(ADMIN, null, { visibility: 'team' }))).toBe('INVALID_METADATA');
    expect(codeOf(() => changeOfAccess(ADMIN, null, { team: 'Not A Team!' }))).toBe('INVALID_USER_NAME');
  });

  it('filters lists as the model queries do', () => {
    const items = [
      { name: 'a', ...RED_PRIVATE },
      { name: 'b', ...UNOWNED },
      { name: 'c', visibility: 'team' as const, team: 'blue' },
    ];
    expect(visibleTo(RED_MEMBER, items).map((i) => i.name)).toEqual(['a', 'b']);
    expect(visibleTo(ANONYMOUS, items).map((i) => i.name)).toEqual(['b']);
    expect(visibleTo(ADMIN, items).map((i) => i.name)).toEqual(['a', 'b', 'c']);
    expect(maySee(BLUE_MEMBER, null)).toBe(false);
  });

  it('decideFor a principal agrees with decide for its caller', () => {
    const settings: Setting[] = [
      { anonymousReads: true, anonymousWrites: false, metricsPublic: true },
      { anonymousReads: false, anonymousWrites: false, metricsPublic: false },
    ];
    for (const setting of settings)
      for (const rule of [
        read('predict'),
        write('models:write'),
        write('admin'),
        { access: 'metrics' as const },
      ])
        for (const p of [ANONYMOUS, RED_MEMBER, user('viewer', null), ADMIN_KEY]) {
          const caller =
            p.kind === 'anonymous' ? { anonymous: true, scopes: [] } : { anonymous: false, scopes: p.scopes };
          expect(decideFor(rule, p, setting)).toBe(decide(rule, caller, setting));
        }
  });
});

describe("OpenAI's error shape", () => {
  it('has all four keys, our code in lower case and the field a detail names', () => {
    const body = openAiError(
      new ModelGardenError('VALIDATION_FAILED', 'bad temperature', { details: { field: 'temperature' } }),
      400,
    );
    expect(body).toEqual({
      error: {
        message: 'bad temperature',
        type: 'invalid_request_error',
        param: 'temperature',
        code: 'validation_failed',
      },
    });
    expect(openAiError(new ModelGardenError('UNAUTHENTICATED', 'no key'), 401).error).toMatchObject({
      type: 'authentication_error',
      param: null,
    });
  });
});
