/** Validation of user and team names and of passwords, with the stable error codes. */
import { ModelGardenError } from '../errors/model-garden-error.js';

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

export function assertUserName(name: string, what = 'user'): void {
  if (!NAME.test(name))
    throw new ModelGardenError('INVALID_USER_NAME', `Invalid ${what} name; use ${NAME.source}`, {
      details: { pattern: NAME.source },
    });
}

export function assertPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH)
    throw new ModelGardenError(
      'WEAK_PASSWORD',
      `A password needs ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters`,
      { details: { minLength: MIN_PASSWORD_LENGTH } },
    );
}
