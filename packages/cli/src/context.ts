// The options every command takes (--url, --api-key, --json) and the client built from them.

import { ModelGardenClient } from '@modelgarden/sdk';
import type { Command } from 'commander';
import { UsageError } from './usage-error.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface GlobalOptions {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

/**
 * Add the global options to `command`. They are declared on the program and on every command so that
 * they may come before or after the command name; no defaults here, so a value given before the
 * command name is not overwritten by a default after it.
 */
export function withGlobalOptions(command: Command): Command {
  return command
    .option('--url <url>', `server URL (default: $MODELGARDEN_URL or ${DEFAULT_URL})`)
    .option('--api-key <key>', 'API key (default: $MODELGARDEN_API_KEY)')
    .option('--json', 'print the raw JSON answer');
}

export interface CommandContext {
  client: ModelGardenClient;
  json: boolean;
}

/** Resolve the global options of `command` (flags, then the environment, then defaults). */
export function commandContext(command: Command, env: NodeJS.ProcessEnv = process.env): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const baseUrl = options.url ?? env.MODELGARDEN_URL ?? DEFAULT_URL;
  const apiKey = options.apiKey ?? env.MODELGARDEN_API_KEY;
  if (!URL.canParse(baseUrl)) throw new UsageError(`--url: '${baseUrl}' is not a URL`);
  return {
    client: new ModelGardenClient({ baseUrl, ...(apiKey ? { apiKey } : {}) }),
    json: options.json === true,
  };
}
