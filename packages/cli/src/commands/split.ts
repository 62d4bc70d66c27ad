// `modelgarden split <name> 1=90 2=10`: split an alias's traffic over versions (canary), with a shadow.

import type { AliasInfo, AliasTarget } from '@modelgarden/sdk';
import { Command } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { printJson } from '../output.js';
import { UsageError } from '../usage-error.js';

/** `version 2`, or `v1=90 v2=10` for a split; the shadow after it. */
export function describeRoute(info: AliasInfo): string {
  const targets =
    info.targets.length === 1
      ? `version ${info.version}`
      : info.targets.map((t) => `v${t.version}=${t.weight}`).join(' ');
  return info.shadow ? `${targets} (shadow v${info.shadow.version}, ${info.shadow.percent}%)` : targets;
}

/** `2=10` → `{version: 2, weight: 10}` */
function parseTarget(text: string): AliasTarget {
  const match = /^v?(\d+)=(\d+(?:\.\d+)?)$/.exec(text);
  if (!match) throw new UsageError(`a target is <version>=<weight>, e.g. 2=10; got '${text}'`);
  return { version: Number(match[1]), weight: Number(match[2]) };
}

/** `3` or `3:25` → shadow version 3 at 100 % or 25 % */
function parseShadow(text: string): { version: number; percent?: number } {
  const match = /^v?(\d+)(?::(\d+(?:\.\d+)?))?$/.exec(text);
  if (!match) throw new UsageError(`--shadow is <version>[:<percent>], e.g. 3:25; got '${text}'`);
  return { version: Number(match[1]), ...(match[2] ? { percent: Number(match[2]) } : {}) };
}

export function splitCommand(): Command {
  return withGlobalOptions(new Command('split'))
    .description('split an alias (default: production) over versions by weight, e.g. split iris 1=90 2=10')
    .argument('<name>', 'model name')
    .argument('<targets...>', '<version>=<weight> pairs')
    .option('--alias <alias>', 'the alias to split', 'production')
    .option('--shadow <version[:percent]>', 'also copy traffic to this version; its answers are only logged')
    .option('--force', 'allow versions whose inputs differ from the current one')
    .action(
      async (
        name: string,
        targets: string[],
        options: { alias: string; shadow?: string; force?: boolean },
        command: Command,
      ) => {
        const { client, json } = commandContext(command);
        const info = await client.splitTraffic(name, options.alias, targets.map(parseTarget), {
          ...(options.shadow ? { shadow: parseShadow(options.shadow) } : {}),
          ...(options.force ? { force: true } : {}),
        });
        if (json) return printJson(info);
        console.log(`${info.model}: ${info.alias} → ${describeRoute(info)}`);
      },
    );
}
