/**
 * The evaluation figures of collections that ship a question set (the seeded `docs` collection and
 * `bench/retrieval-questions.jsonl`), for the collection page: measured on request once every
 * document is ingested, and kept until the collection's documents or chunks change.
 */
import { readFile } from 'node:fs/promises';
import type { Principal } from '../auth/principal.js';
import {
  type CollectionEvaluation,
  type EvalQuestion,
  type EvalResponse,
  evalQuestionSchema,
} from '../contract/retrieval-schemas.js';
import type { RetrievalService } from './retrieval-service.js';

/** A collection's question set: where it is read from, and the name it is shown by. */
export interface QuestionSet {
  file: string;
  label: string;
}

interface Measured {
  key: string;
  evaluation: EvalResponse;
  measuredAt: string;
}

/** Parses a JSONL question set: one `{"question", "expected": [...]}` per non-empty line. */
export function parseQuestions(text: string): EvalQuestion[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => evalQuestionSchema.parse(JSON.parse(line)));
}

export class ShippedEvaluations {
  private readonly measured = new Map<string, Measured>();
  private readonly running = new Map<string, Promise<Measured | null>>();

  constructor(
    private readonly retrieval: RetrievalService,
    /** Question sets by collection name. */
    private readonly sets: ReadonlyMap<string, QuestionSet>,
  ) {}

  /**
   * The figures for `name` as `principal` may see them (COLLECTION_NOT_FOUND when it may not):
   * `unavailable` without a question set, `ingesting` while a document is processing.
   */
  async get(principal: Principal, name: string): Promise<CollectionEvaluation> {
    // Also the access check: a hidden collection is COLLECTION_NOT_FOUND here as everywhere.
    const documents = await this.retrieval.listDocuments(principal, name);
    const set = this.sets.get(name);
    if (!set) return { status: 'unavailable', questionSet: null, measuredAt: null, evaluation: null };
    if (documents.some((d) => d.status === 'processing'))
      return { status: 'ingesting', questionSet: set.label, measuredAt: null, evaluation: null };
    // New, changed or deleted documents change the figures; the same ones keep them.
    const key = documents.map((d) => `${d.id}:${d.chunks}`).join(',');
    let measured = this.measured.get(name);
    if (measured?.key !== key) {
      const fresh = await this.measure(principal, name, set, key);
      // A deployment without the file (an image without bench/) has no figures to show.
      if (fresh === null)
        return { status: 'unavailable', questionSet: null, measuredAt: null, evaluation: null };
      measured = fresh;
      this.measured.set(name, measured);
    }
    return {
      status: 'ready',
      questionSet: set.label,
      measuredAt: measured.measuredAt,
      evaluation: measured.evaluation,
    };
  }

  /** One measurement per collection at a time: concurrent page loads share it. */
  private measure(
    principal: Principal,
    name: string,
    set: QuestionSet,
    key: string,
  ): Promise<Measured | null> {
    const running = this.running.get(`${name}|${key}`);
    if (running) return running;
    const run = (async () => {
      const text = await readFile(set.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (text === null) return null;
      const questions = parseQuestions(text);
      const evaluation = await this.retrieval.evaluate(principal, name, questions);
      return { key, evaluation, measuredAt: new Date().toISOString() };
    })().finally(() => this.running.delete(`${name}|${key}`));
    this.running.set(`${name}|${key}`, run);
    return run;
  }
}
