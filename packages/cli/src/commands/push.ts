// `modelgarden push <file>`: upload an .onnx file as a model's next version, with a progress bar.

import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { ModelVersion, PushMetadata, Task } from '@modelgarden/sdk';
import { Presets, SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { formatBytes, formatTensor, printJson } from '../output.js';
import { parseJsonArgument, parseList } from '../parse.js';
import { UsageError } from '../usage-error.js';

const TASKS: Task[] = ['tabular-classification', 'tabular-regression', 'image-classification', 'tensor'];

interface PushOptions {
  name?: string;
  labels?: string[];
  features?: string[];
  description?: string;
  task?: Task;
  metadata?: string;
  reference?: string;
  alias?: string;
}

export function pushCommand(): Command {
  return withGlobalOptions(new Command('push'))
    .description('upload an .onnx file as the next version of a model')
    .argument('<file>', 'the .onnx file')
    .option('-n, --name <name>', 'model name (default: the file name without .onnx)')
    .option('--labels <labels>', 'class labels in output order, comma-separated', parseList)
    .option('--features <names>', 'feature names in input column order, comma-separated', parseList)
    .option('--description <text>', 'what the model does')
    .addOption(new Option('--task <task>', 'override the inferred task').choices(TASKS))
    .option('--metadata <json|file>', 'metadata JSON, inline or a file; the flags above override its fields')
    .option('--reference <file.csv>', 'reference dataset for drift reports (feature columns, optional label)')
    .option('--alias <alias>', 'then point this alias (e.g. production) at the new version')
    .action(async (file: string, options: PushOptions, command: Command) => {
      const { client, json } = commandContext(command);
      const name = options.name ?? nameFromFile(file);
      const metadata = buildMetadata(options);

      const progress = json
        ? undefined
        : new SingleBar(
            {
              format: `uploading ${basename(file)} [{bar}] {percentage}% | {done} of {size}`,
              hideCursor: true,
            },
            Presets.shades_classic,
          );
      let version: ModelVersion;
      try {
        version = await client.pushModel(name, file, {
          ...(metadata ? { metadata } : {}),
          ...(options.reference ? { reference: await readFile(options.reference, 'utf8') } : {}),
          onProgress: ({ loaded, total }) => {
            const payload = { done: formatBytes(loaded), size: formatBytes(total) };
            if (progress && !progress.isActive) progress.start(total, loaded, payload);
            progress?.update(loaded, payload);
          },
        });
      } finally {
        progress?.stop();
      }

      if (options.alias) {
        await client.setAlias(name, options.alias, version.version);
        version = await client.getVersion(name, version.version);
      }
      if (json) return printJson(version);
      printVersion(version);
    });
}

/** `./models/Fraud Detector.onnx` → `fraud-detector` */
function nameFromFile(file: string): string {
  const name = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63);
  if (!name) throw new UsageError(`cannot make a model name from '${file}'; pass --name`);
  return name;
}

function buildMetadata(options: PushOptions): PushMetadata | undefined {
  const base = options.metadata === undefined ? {} : parseJsonArgument('--metadata', options.metadata, true);
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new UsageError('--metadata must be a JSON object');
  }
  const metadata: PushMetadata = { ...(base as PushMetadata) };
  if (options.labels) metadata.labels = options.labels;
  if (options.features) metadata.featureNames = options.features;
  if (options.description !== undefined) metadata.description = options.description;
  if (options.task) metadata.task = options.task;
  return Object.keys(metadata).length === 0 ? undefined : metadata;
}

function printVersion(version: ModelVersion): void {
  const lines: Array<[string, string | string[]]> = [
    ['sha256', version.sha256],
    ['size', formatBytes(version.sizeBytes)],
    ['task', version.task],
    ['status', version.status],
    ['inputs', version.inputs.map(formatTensor)],
    ['outputs', version.outputs.map(formatTensor)],
  ];
  if (version.featureNames) lines.push(['features', version.featureNames.join(', ')]);
  if (version.labels) lines.push(['labels', version.labels.join(', ')]);
  if (version.aliases.length > 0) lines.push(['aliases', version.aliases.join(', ')]);

  console.log(`pushed ${version.model} version ${version.version}`);
  for (const [key, value] of lines) {
    const values = Array.isArray(value) ? value : [value];
    values.forEach((text, index) => {
      console.log(`  ${(index === 0 ? key : '').padEnd(9)}${text}`);
    });
  }
}
