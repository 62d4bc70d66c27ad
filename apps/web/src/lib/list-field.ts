// Parses a comma-separated form field ("setosa, versicolor") into a clean list.

export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
