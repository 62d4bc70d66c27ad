/**
 * Turns each route's zod schemas into its OpenAPI operation (fastify-type-provider-zod's transform),
 * plus `bodyContent`: a request body documented per media type that Fastify does not validate,
 * because the handler reads it itself (a prediction's JSON or multipart pictures, a push's
 * multipart form, a CSV reference). The contract's schema for each media type still names the shape.
 * And `responseContent`: answers documented per status and media type that Fastify does not
 * serialise (the /v1 routes render OpenAI's shapes by hand, and stream SSE).
 */
import type { SwaggerTransform } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';

declare module 'fastify' {
  interface FastifySchema {
    /** Documented request body by media type (not validated by Fastify: the handler parses it). */
    bodyContent?: Record<string, ZodType>;
    /** Documented answers by status and media type (not validated or serialised by Fastify). */
    responseContent?: Record<number, { description: string; content: Record<string, ZodType> }>;
  }
}

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

/** One zod schema as the JSON schema (or $ref) the document gives a request body, or an answer. */
function documented(document: TransformInput, schema: ZodType, as: 'body' | 'response'): unknown {
  if (as === 'body')
    return jsonSchemaTransform({ ...document, schema: { body: schema } } as TransformInput).schema.body;
  const out = jsonSchemaTransform({ ...document, schema: { response: { 200: schema } } } as TransformInput);
  return (out.schema.response as Record<number, unknown>)[200];
}

export const openApiTransform: SwaggerTransform = (document) => {
  const { bodyContent, responseContent, ...schema } = document.schema;
  const transformed = jsonSchemaTransform({ ...document, schema } as TransformInput);
  if ((!bodyContent && !responseContent) || schema.hide) return transformed;
  const input = document as TransformInput;
  const out = { ...transformed.schema } as Record<string, unknown>;
  if (bodyContent) {
    const content: Record<string, { schema: unknown }> = {};
    for (const [mediaType, body] of Object.entries(bodyContent))
      content[mediaType] = { schema: documented(input, body, 'body') };
    out.body = { content };
  }
  if (responseContent) {
    const response: Record<string, unknown> = {};
    for (const [status, answer] of Object.entries(responseContent)) {
      const content: Record<string, { schema: unknown }> = {};
      for (const [mediaType, body] of Object.entries(answer.content))
        content[mediaType] = { schema: documented(input, body, 'response') };
      response[status] = { description: answer.description, content };
    }
    out.response = response;
  }
  return { ...transformed, schema: out };
};
