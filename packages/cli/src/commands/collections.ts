// `modelgarden collections …`: knowledge bases — list, create, delete, upload documents, list them,
// search, and measure search quality on a questions file.

import { readFile } from 'node:fs/promises';
import type { EvaluationQuestion, RetrievalEvaluation, SearchResponse } from '@modelgarden/sdk';
import { Command } from 'commander';
import { uploadDocuments } from '../collections-upload.js';
import { commandContext, withGlobalOptions } from '../context.js';
import { formatBytes, printJson, table } from '../output.js';
import { parsePositiveInt } from '../parse.js';
import { visible } from '../terminal-text.js';
import { UsageError } from '../usage-error.js';

export function collectionsCommand(): Command {
  const collections = withGlobalOptions(new Command('collections')).description(
    'knowledge bases: documents the server searches for passages',
  );

  collections.addCommand(
    withGlobalOptions(new Command('list'))
      .description('list the collections you may see')
      .action(async (_options, command: Command) => {
        const { client, json } = commandContext(command);
        const list = await client.listCollections();
        if (json) return printJson({ collections: list });
        if (list.length === 0) {
          console.log("No collections yet. Create one with 'modelgarden collections create <name>'.");
          return;
        }
        const rows = list.map((c) => [
          c.name,
          c.visibility === 'team' ? `team ${c.team ?? '-'}` : 'public',
          c.owner ?? '-',
          String(c.documents),
          String(c.chunks),
          c.createdAt,
        ]);
        console.log(table(['name', 'visibility', 'owner', 'documents', 'chunks', 'created'], rows));
      }),
  );

  collections.addCommand(
    withGlobalOptions(new Command('create'))
      .description('create a collection (public unless --team)')
      .argument('<name>', 'collection name')
      .option('--team [team]', 'visible to a team only: yours, or this one (admins)')
      .action(async (name: string, flags: { team?: string | true }, command: Command) => {
        const { client, json } = commandContext(command);
        const created = await client.createCollection({
          name,
          ...(flags.team === undefined ? {} : { visibility: 'team' as const }),
          ...(typeof flags.team === 'string' ? { team: flags.team } : {}),
        });
        if (json) return printJson(created);
        const access = created.visibility === 'team' ? `team ${created.team ?? '-'} only` : 'public';
        console.log(`created collection ${created.name} (${access})`);
      }),
  );

  collections.addCommand(
    withGlobalOptions(new Command('delete'))
      .description('delete a collection with its documents and passages')
      .argument('<name>', 'collection name')
      .action(async (name: string, _options, command: Command) => {
        const { client, json } = commandContext(command);
        await client.deleteCollection(name);
        if (json) return printJson({ deleted: name });
        console.log(`deleted collection ${name}`);
      }),
  );

  collections.addCommand(
    withGlobalOptions(new Command('upload'))
      .description('upload .txt, .md, .html or .pdf files and wait until they are searchable')
      .argument('<name>', 'collection name')
      .argument('<files...>', 'the files')
      .option('--no-wait', 'return once uploaded, without waiting for ingestion')
      .action(async (name: string, files: string[], flags: { wait: boolean }, command: Command) => {
        const { client, json } = commandContext(command);
        await uploadDocuments(client, name, files, { wait: flags.wait, json });
      }),
  );

  collections.addCommand(
    withGlobalOptions(new Command('documents'))
      .description("list a collection's documents and their ingestion status")
      .argument('<name>', 'collection name')
      .action(async (name: string, _options, command: Command) => {
        const { client, json } = commandContext(command);
        const documents = await client.listDocuments(name);
        if (json) return printJson({ documents });
        if (documents.length === 0) {
          console.log(
            `No documents yet. Upload some with 'modelgarden collections upload ${name} <files…>'.`,
          );
          return;
        }
        const rows = documents.map((d) => [
          d.id,
          d.name,
          d.status === 'failed' ? `failed: ${d.error ?? ''}` : d.status,
          String(d.chunks),
          formatBytes(d.bytes),
          d.createdAt,
        ]);
        console.log(table(['id', 'name', 'status', 'chunks', 'size', 'created'], rows));
      }),
  );

  collections.addCommand(
    withGlobalOptions(new Command('search'))
      .description('the passages that best answer a question')
      .argument('<name>', 'collection name')
      .argument('<query>', 'the question, in your own words')
      .option('-k, --k <k>', 'how many passages (default 5, at most 50)', parsePositiveInt('-k'))
      .action(async (name: string, query: string, flags: { k?: number }, command: Command) => {
        const { client, json } = commandContext(command);
        const answer = await client.searchCollection(name, query, flags.k ?? 5);
        if (json) return printJson(answer);
        printResults(answer);
      }),
  );

  collections.addCommand(
    withGlobalOptions(new Command('eval'))
      .description('recall@1, recall@5 and MRR of the search (and of a plain BM25) on a questions file')
      .argument('<name>', 'collection name')
      .argument(
        '<questions.jsonl>',
        'one JSON object a line: {"question": "…", "expected": ["text the answer passage holds", …]}',
      )
      .action(async (name: string, file: string, _options, command: Command) => {
        const { client, json } = commandContext(command);
        const questions = await readQuestions(file);
        const evaluation = await client.evaluateCollection(name, questions);
        if (json) return printJson(evaluation);
        printEvaluation(evaluation);
      }),
  );
  return collections;
}

function printResults({ mode, results }: SearchResponse): void {
  if (results.length === 0) {
    console.log('No passage matches.');
    return;
  }
  results.forEach((result, index) => {
    // Headings and passages are uploaded text: their control characters are shown, not obeyed.
    const heading = visible((result.heading || result.documentName).replace(/\s+/g, ' '));
    console.log(`${index + 1}. ${heading}  (score ${result.score.toFixed(3)})`);
    const text = visible(result.text.replace(/\s+/g, ' ').trim());
    console.log(`   ${text.length > 300 ? `${text.slice(0, 299)}…` : text}`);
  });
  console.log(`(${mode === 'hybrid' ? 'full text + embeddings' : 'full-text search'})`);
}

const METHODS: Record<string, string> = {
  fts: 'the full-text search (what search uses)',
  hybrid: 'full text + embeddings (what search uses)',
  'all-words': 'a plain AND of every word',
  bm25: 'a plain BM25 over the same passages',
};

function printEvaluation(evaluation: RetrievalEvaluation): void {
  console.log(`${evaluation.questions} questions over ${evaluation.chunks} passages`);
  const rows = evaluation.methods.map((m) => [
    m.method,
    m.recallAt1.toFixed(3),
    m.recallAt5.toFixed(3),
    m.mrr.toFixed(3),
    METHODS[m.method] ?? '',
  ]);
  console.log(table(['method', 'recall@1', 'recall@5', 'mrr', ''], rows));
}

/** Reads a JSON Lines questions file; a bad line is a usage error naming the file and line. */
async function readQuestions(file: string): Promise<EvaluationQuestion[]> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const questions: EvaluationQuestion[] = [];
  content.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new UsageError(`${where} is not JSON: ${(error as Error).message}`);
    }
    const { question, expected } = (value ?? {}) as { question?: unknown; expected?: unknown };
    const strings = (list: unknown): list is string[] =>
      Array.isArray(list) && list.length > 0 && list.every((item) => typeof item === 'string' && item !== '');
    if (typeof question !== 'string' || question.trim() === '' || !strings(expected)) {
      throw new UsageError(`${where}: expected {"question": "…", "expected": ["…", …]}`);
    }
    questions.push({ question, expected });
  });
  if (questions.length === 0) throw new UsageError(`${file} holds no questions`);
  return questions;
}
