// A mistake in how the command was called (as opposed to a failure while running it): exit code 2.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command has already printed why it failed (one error per file, say); only the exit code is left. */
export class ReportedFailure extends Error {
  override readonly name = 'ReportedFailure';
  constructor(readonly exitCode = 1) {
    super('failed (reported above)');
  }
}
