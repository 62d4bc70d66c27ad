/** A small Dockerfile reader for the packaging tests: instructions grouped by build stage. */
import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  args: string;
  flags: Record<string, string>;
  stage: string;
}

/** Joins `\` continuations, drops comments and splits `--flag=value` options from the arguments. */
export function readDockerfile(file: string): Instruction[] {
  const lines = readFileSync(file, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const out: Instruction[] = [];
  let stage = '';
  for (const line of lines) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const flags: Record<string, string> = {};
    let args = rest;
    for (;;) {
      const m = /^--([\w-]+)(?:=(\S+))?\s*/.exec(args);
      if (!m || keyword.toUpperCase() === 'RUN' || keyword.toUpperCase() === 'CMD') break;
      flags[m[1]!] = m[2] ?? '';
      args = args.slice(m[0].length);
    }
    if (keyword.toUpperCase() === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? `#${out.length}`;
    out.push({ keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' '), flags, stage });
  }
  return out;
}

/** `KEY=value KEY2=value2` (ENV/ARG syntax, values without spaces) → a record. */
export function readAssignments(args: string): Record<string, string> {
  return Object.fromEntries(
    [...args.matchAll(/(\w+)=("[^"]*"|\S+)/g)].map((m) => [m[1]!, m[2]!.replace(/^"|"$/g, '')]),
  );
}
