// The registry's rule for model and alias names (docs/api.md).

export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Returns why `name` is not a valid model name, or null when it is. */
export function modelNameProblem(name: string): string | null {
  if (name.length === 0) return 'Enter a model name.';
  if (name.length > 63) return 'Use at most 63 characters.';
  if (!/^[a-z0-9]/.test(name)) return 'Start with a lowercase letter or a digit.';
  if (!MODEL_NAME_PATTERN.test(name)) return 'Use only lowercase letters, digits, ".", "_" and "-".';
  return null;
}
