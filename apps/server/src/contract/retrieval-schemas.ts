/**
 * Zod schemas of the knowledge bases (`/api/collections`): a collection (owner, public / team
 * access), its documents and their ingestion status, search and the retrieval evaluation.
 */
import { z } from 'zod';

export const DOCUMENT_STATUSES = ['processing', 'ready', 'failed'] as const;

const name = z.string().min(1).max(63);

export const collectionParams = z.object({ name });
export const documentParams = z.object({ name, id: z.uuid() });

export const createCollectionBody = z
  .object({
    name,
    /** `team` hides it from other teams (the team defaults to the caller's). */
    visibility: z.enum(['public', 'team']).optional(),
    team: z.string().min(1).max(63).nullable().optional(),
  })
  .strict()
  .meta({ id: 'CreateCollectionBody' });

export const collectionSchema = z
  .object({
    name: z.string(),
    owner: z.string().nullable(),
    visibility: z.enum(['public', 'team']),
    team: z.string().nullable(),
    embeddingModel: z.string().nullable(),
    documents: z.number().int(),
    chunks: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'Collection' });

export const collectionListSchema = z
  .object({ collections: z.array(collectionSchema) })
  .meta({ id: 'CollectionList' });

export const documentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    mediaType: z.string(),
    sha256: z.string(),
    bytes: z.number().int(),
    status: z.enum(DOCUMENT_STATUSES),
    /** Why ingestion failed (`failed` only). */
    error: z.string().nullable(),
    chunks: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'CollectionDocument' });

export const documentListSchema = z
  .object({ documents: z.array(documentSchema) })
  .meta({ id: 'CollectionDocumentList' });

/** The upload's answer: 202 while it is ingested, 200 when the same file was already there. */
export const uploadedDocumentSchema = z
  .object({ id: z.string(), status: z.enum(DOCUMENT_STATUSES), duplicate: z.boolean() })
  .meta({ id: 'UploadedDocument' });

export const searchBody = z
  .object({
    query: z.string().trim().min(1).max(2000),
    k: z.number().int().min(1).max(50).optional(),
  })
  .strict()
  .meta({ id: 'SearchCollectionBody' });

const highlightRange = z
  .tuple([z.number().int().min(0), z.number().int().min(0)])
  .meta({ id: 'HighlightRange' });

export const searchResultSchema = z
  .object({
    documentId: z.string(),
    documentName: z.string(),
    chunkIndex: z.number().int(),
    heading: z.string(),
    text: z.string(),
    score: z.number(),
    /**
     * What the search matched in `text`: `[start, end)` character offsets (UTF-16 code units, as
     * JavaScript's `slice` takes them), sorted, not overlapping. The words whose PostgreSQL lexemes
     * (english stemming, stop words never) are among the query terms this passage matched.
     */
    highlights: z.array(highlightRange).meta({
      description:
        'What the search matched in `text`: sorted, non-overlapping [start, end) offsets in UTF-16 code units',
    }),
    /** The same for `heading`. */
    headingHighlights: z
      .array(highlightRange)
      .meta({ description: 'What the search matched in `heading`, as `highlights`' }),
  })
  .meta({ id: 'SearchResult' });

export const searchResponseSchema = z
  .object({
    /** `fts`, or `hybrid` (full text + embeddings, reciprocal rank fusion). */
    mode: z.enum(['fts', 'hybrid']),
    results: z.array(searchResultSchema),
  })
  .meta({ id: 'SearchResponse' });

/** One evaluation question: the passage that answers it must contain every one of `expected`. */
export const evalQuestionSchema = z
  .object({ question: z.string().min(1).max(2000), expected: z.array(z.string().min(1)).min(1).max(10) })
  .strict();

export const evalBody = z
  .object({ questions: z.array(evalQuestionSchema).min(1).max(1000) })
  .strict()
  .meta({ id: 'EvaluateCollectionBody' });

export const evalScoresSchema = z
  .object({
    method: z.string(),
    recallAt1: z.number(),
    recallAt5: z.number(),
    mrr: z.number(),
  })
  .meta({ id: 'RetrievalScores' });

export const evalResponseSchema = z
  .object({
    questions: z.number().int(),
    chunks: z.number().int(),
    /** Our search, then the plain BM25 and the AND-of-every-word query it is compared with. */
    methods: z.array(evalScoresSchema),
  })
  .meta({ id: 'RetrievalEvaluation' });

/** `GET …/evaluation`: the shipped question set's figures (`unavailable` when the collection has none). */
export const collectionEvaluationSchema = z
  .object({
    /** `ingesting` while a document is still processing (the figures would be partial). */
    status: z.enum(['unavailable', 'ingesting', 'ready']),
    /** Where the questions come from, e.g. `bench/retrieval-questions.jsonl`. */
    questionSet: z.string().nullable(),
    measuredAt: z.string().nullable(),
    evaluation: evalResponseSchema.nullable(),
  })
  .meta({ id: 'CollectionEvaluation' });

export type CreateCollection = z.infer<typeof createCollectionBody>;
export type Collection = z.infer<typeof collectionSchema>;
export type CollectionDocument = z.infer<typeof documentSchema>;
export type UploadedDocument = z.infer<typeof uploadedDocumentSchema>;
export type SearchResult = z.infer<typeof searchResultSchema>;
export type SearchResponse = z.infer<typeof searchResponseSchema>;
export type EvalQuestion = z.infer<typeof evalQuestionSchema>;
export type EvalScores = z.infer<typeof evalScoresSchema>;
export type EvalResponse = z.infer<typeof evalResponseSchema>;
export type CollectionEvaluation = z.infer<typeof collectionEvaluationSchema>;

/** The upload form (documentation only: the route reads the multipart body itself). */
export const uploadDocumentFormSchema = z
  .object({ file: z.file().meta({ description: 'A .txt, .md, .html or .pdf file' }) })
  .meta({ id: 'UploadDocumentForm' });
