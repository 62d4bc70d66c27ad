/**
 * Turns each route's zod schemas into its OpenAPI operation (fastify-type-provider-zod's transform),
 * plus `bodyContent`: a request body documented per media type that Fastify does not validate,
 * because the handler reads it itself (a prediction's JSON or multipart pictures, a push's
 * multipart form, a CSV reference). The contract's schema for each media type still names the shape.
 */
import type { SwaggerTransform } from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { ZodType } from 'zod';

declare module 'fastify' {
  interface FastifySchema {
    /** Documented request body by media type (not validated by Fastify: the handler parses it). */
    bodyContent?: Record<string, ZodType>;
  }
}

export const openApiTransform: SwaggerTransform = (document) => {
  const { bodyContent, ...schema } = document.schema;
  const transformed = jsonSchemaTransform({ ...document, schema } as Parameters<
    typeof jsonSchemaTransform
  >[0]);
  if (!bodyContent || schema.hide) return transformed;
  const content: Record<string, { schema: unknown }> = {};
  for (const [mediaType, body] of Object.entries(bodyContent)) {
    const one = jsonSchemaTransform({ ...document, schema: { body } } as Parameters<
      typeof jsonSchemaTransform
    >[0]);
    content[mediaType] = { schema: one.schema.body };
  }
  return { ...transformed, schema: { ...transformed.schema, body: { content } } };
};
