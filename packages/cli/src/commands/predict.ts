// `modelgarden predict <name>`: friendly predictions from JSON rows or picture files.

import { readFile } from 'node:fs/promises';
import type { FeatureRow, Prediction, PredictOptions, PredictResponse } from '@modelgarden/sdk';
import { Command } from 'commander';
import { commandContext, withGlobalOptions } from '../context.js';
import { bar, formatPercent, printJson } from '../output.js';
import { parseJsonArgument, parsePositiveInt } from '../parse.js';
import { UsageError } from '../usage-error.js';

interface PredictFlags {
  input?: string;
  image?: string[];
  version?: number;
  alias?: string;
  topK?: number;
}

export function predictCommand(): Command {
  return withGlobalOptions(new Command('predict'))
    .description('predict with a model: tabular rows as JSON, or pictures for image models')
    .argument('<name>', 'model name')
    .option('-i, --input <json|@file>', 'a row {"feature": value} or an array of rows, inline or @file.json')
    .option('--image <file>', 'a PNG, JPEG, WebP or GIF file; repeat for a batch', collect, [])
    .option(
      '--version <n>',
      'this version (default: production, else the latest)',
      parsePositiveInt('--version'),
    )
    .option('--alias <alias>', 'the version this alias points at')
    .option('-k, --top-k <k>', 'show only the k most probable labels', parsePositiveInt('--top-k'))
    .action(async (name: string, flags: PredictFlags, command: Command) => {
      const images = flags.image ?? [];
      if ((flags.input === undefined) === (images.length === 0)) {
        throw new UsageError('give either --input or --image');
      }
      if (flags.version !== undefined && flags.alias !== undefined) {
        throw new UsageError('give --version or --alias, not both');
      }
      const { client, json } = commandContext(command);
      const options: PredictOptions = {};
      if (flags.version !== undefined) options.version = flags.version;
      if (flags.alias !== undefined) options.alias = flags.alias;
      if (flags.topK !== undefined) options.topK = flags.topK;

      let answer: PredictResponse;
      if (flags.input !== undefined) {
        answer = await client.predict(name, parseRows(flags.input), options);
      } else {
        const pictures = await Promise.all(images.map((path) => readFile(path)));
        answer = await client.predictImage(name, pictures.length === 1 ? pictures[0]! : pictures, options);
      }
      if (json) return printJson(answer);
      printPredictions(answer, images);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseRows(value: string): FeatureRow | FeatureRow[] {
  const rows = parseJsonArgument('--input', value);
  const isRow = (row: unknown) => typeof row === 'object' && row !== null && !Array.isArray(row);
  if (Array.isArray(rows) ? !rows.every(isRow) : !isRow(rows)) {
    throw new UsageError('--input must be a JSON object of features, or an array of them');
  }
  return rows as FeatureRow | FeatureRow[];
}

function printPredictions(answer: PredictResponse, images: string[]): void {
  console.log(`${answer.model} version ${answer.version}`);
  const batch = answer.predictions.length > 1;
  answer.predictions.forEach((prediction, index) => {
    const subject = images[index] ?? (batch ? `row ${index}` : '');
    const prefix = subject ? `${subject}: ` : '';
    console.log(`${prefix}${headline(prediction)}`);
    if ('probabilities' in prediction) {
      const width = Math.max(...prediction.probabilities.map((entry) => entry.label.length));
      for (const entry of prediction.probabilities) {
        const percent = formatPercent(entry.probability).padStart(6);
        console.log(`  ${entry.label.padEnd(width)}  ${percent}  ${bar(entry.probability)}`.trimEnd());
      }
    }
  });
}

function headline(prediction: Prediction): string {
  if ('label' in prediction) return `${prediction.label} (${formatPercent(prediction.probability)})`;
  if ('value' in prediction) return `value ${prediction.value}`;
  return `values ${prediction.values.join(', ')}`;
}
