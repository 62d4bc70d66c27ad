// A mistake in how the command was called (as opposed to a failure while running it): exit code 2.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}
