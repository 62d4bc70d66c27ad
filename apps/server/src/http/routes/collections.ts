/**
 * Knowledge bases (`/api/collections`): create and list collections, upload documents (multipart
 * `file`: txt, md, html, pdf), read their ingestion status, delete them, search and evaluate (and
 * read the shipped question set's figures). Thin:
 * one RetrievalService call each (retrieval/retrieval-service.ts), which applies the models' access
 * rules (a hidden collection answers COLLECTION_NOT_FOUND like a missing one).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { read, write } from '../../auth/authorize.js';
import type { AppContext } from '../../context.js';
import {
  collectionEvaluationSchema,
  collectionListSchema,
  collectionParams,
  collectionSchema,
  createCollectionBody,
  documentListSchema,
  documentParams,
  documentSchema,
  evalBody,
  evalResponseSchema,
  searchBody,
  searchResponseSchema,
  uploadDocumentFormSchema,
  uploadedDocumentSchema,
} from '../../contract/retrieval-schemas.js';
import { errorSchema } from '../../contract/schemas.js';
import { ModelGardenError } from '../../errors/model-garden-error.js';
import { isMultipart, readMultipartUploads } from '../multipart-files.js';
import { traits } from '../route-traits.js';

const tags = ['retrieval'];
const READ = read('models:read');
const WRITE = write('models:write');

export function collectionRoutes(ctx: AppContext): FastifyPluginAsyncZod {
  return async (app) => {
    const retrieval = ctx.retrieval;
    const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema };

    app.get(
      '/api/collections',
      {
        config: traits(READ, 'retrieval'),
        schema: {
          tags,
          summary: 'The knowledge-base collections you may see',
          response: { 200: collectionListSchema, ...errors },
        },
      },
      async (req) => ({ collections: await retrieval.collections.list(req.principal) }),
    );

    app.post(
      '/api/collections',
      {
        config: traits(WRITE, 'retrieval', { idempotency: 'body' }),
        schema: {
          tags,
          summary: 'Create a collection (public, or private to your team)',
          body: createCollectionBody,
          response: { 201: collectionSchema, ...errors, 409: errorSchema },
        },
      },
      async (req, reply) => reply.status(201).send(await retrieval.create(req.principal, req.body)),
    );

    app.get(
      '/api/collections/:name',
      {
        config: traits(READ, 'retrieval'),
        schema: {
          tags,
          summary: 'One collection with its document and chunk counts',
          params: collectionParams,
          response: { 200: collectionSchema, ...errors, 404: errorSchema },
        },
      },
      async (req) => retrieval.collections.get(req.principal, req.params.name),
    );

    app.delete(
      '/api/collections/:name',
      {
        config: traits(WRITE, 'retrieval'),
        schema: {
          tags,
          summary: 'Delete a collection, its documents and their chunks',
          params: collectionParams,
          response: { 204: z.null(), ...errors, 404: errorSchema },
        },
      },
      async (req, reply) => {
        await retrieval.collections.remove(req.principal, req.params.name);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/collections/:name/documents',
      {
        config: traits(WRITE, 'retrieval'),
        schema: {
          tags,
          summary: 'Upload a document (multipart `file`: .txt, .md, .html, .pdf); ingested in the background',
          params: collectionParams,
          bodyContent: { 'multipart/form-data': uploadDocumentFormSchema },
          response: {
            200: uploadedDocumentSchema,
            202: uploadedDocumentSchema,
            ...errors,
            404: errorSchema,
            413: errorSchema,
            415: errorSchema,
            422: errorSchema,
          },
        },
      },
      async (req, reply) => {
        if (!isMultipart(req))
          throw new ModelGardenError(
            'UNSUPPORTED_MEDIA_TYPE',
            'Send the document as multipart/form-data `file`',
          );
        // Who may upload is known before the body is read.
        await retrieval.collections.findForChange(req.principal, req.params.name);
        const [file] = await readMultipartUploads(req, 'file', {
          fileSize: retrieval.maxDocumentBytes,
          files: 1,
        });
        if (!file)
          throw new ModelGardenError('MISSING_FILE', 'Attach the document as the multipart `file` field');
        const uploaded = await retrieval.upload(req.principal, req.params.name, file.filename, file.bytes);
        return reply.status(uploaded.duplicate ? 200 : 202).send(uploaded);
      },
    );

    app.get(
      '/api/collections/:name/documents',
      {
        config: traits(READ, 'retrieval'),
        schema: {
          tags,
          summary: "A collection's documents with their ingestion status, newest first",
          params: collectionParams,
          response: { 200: documentListSchema, ...errors, 404: errorSchema },
        },
      },
      async (req) => ({ documents: await retrieval.listDocuments(req.principal, req.params.name) }),
    );

    app.get(
      '/api/collections/:name/documents/:id',
      {
        config: traits(READ, 'retrieval'),
        schema: {
          tags,
          summary: 'One document: `processing`, `ready`, or `failed` with the reason',
          params: documentParams,
          response: { 200: documentSchema, ...errors, 404: errorSchema },
        },
      },
      async (req) => retrieval.getDocument(req.principal, req.params.name, req.params.id),
    );

    app.delete(
      '/api/collections/:name/documents/:id',
      {
        config: traits(WRITE, 'retrieval'),
        schema: {
          tags,
          summary: 'Delete a document and its chunks',
          params: documentParams,
          response: { 204: z.null(), ...errors, 404: errorSchema },
        },
      },
      async (req, reply) => {
        await retrieval.deleteDocument(req.principal, req.params.name, req.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/collections/:name/search',
      {
        config: traits(READ, 'retrieval'),
        schema: {
          tags,
          summary: 'The passages that best answer a query (full text, or hybrid with embeddings)',
          params: collectionParams,
          body: searchBody,
          response: { 200: searchResponseSchema, ...errors, 404: errorSchema },
        },
      },
      async (req) => retrieval.search(req.principal, req.params.name, req.body.query, req.body.k),
    );

    app.post(
      '/api/collections/:name/evaluate',
      {
        config: traits(READ, 'retrieval'),
        schema: {
          tags,
          summary: "Recall@1, recall@5 and MRR of the collection's search against BM25 and an AND query",
          params: collectionParams,
          body: evalBody,
          response: { 200: evalResponseSchema, ...errors, 404: errorSchema },
        },
      },
      async (req) => retrieval.evaluate(req.principal, req.params.name, req.body.questions),
    );

    app.get(
      '/api/collections/:name/evaluation',
      {
        config: traits(READ, 'retrieval'),
        schema: {
          tags,
          summary: "The figures of the collection's shipped question set (the demo `docs` collection's)",
          params: collectionParams,
          response: { 200: collectionEvaluationSchema, ...errors, 404: errorSchema },
        },
      },
      async (req) => ctx.evaluations.get(req.principal, req.params.name),
    );
  };
}
