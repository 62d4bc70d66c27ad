/**
 * The registry's public data shapes, shared by the HTTP layer and serving. Each is the wire type of
 * the contract (z.infer of its zod schema in `contract/`), so the API, the domain and the SDK's
 * generated types cannot drift apart; only the domain-only shapes (filters, inputs) are written here.
 */
import type { z } from 'zod';
import type {
  DATATYPES,
  imagePreprocessingSchema,
  TASKS,
  tensorSpecSchema,
} from '../contract/model-metadata-schemas.js';
import type {
  aliasInfoSchema,
  aliasRouteSchema,
  historyEntrySchema,
  schemaChangeSchema,
} from '../contract/registry-schemas.js';
import type {
  modelDetailSchema,
  modelListSchema,
  modelSummarySchema,
  modelVersionSchema,
} from '../contract/schemas.js';
import type { servingConfigSchema } from '../contract/serving-config-schemas.js';

export { DATATYPES, TASKS } from '../contract/model-metadata-schemas.js';

export type Datatype = (typeof DATATYPES)[number];
export type Task = (typeof TASKS)[number];
export type TensorSpec = z.infer<typeof tensorSpecSchema>;
export type ImagePreprocessing = z.infer<typeof imagePreprocessingSchema>;
/** Per-version serving settings; unset fields take the engine's defaults. */
export type ServingConfig = z.infer<typeof servingConfigSchema>;
export type ModelVersion = z.infer<typeof modelVersionSchema>;
export type VersionStatus = ModelVersion['status'];
/** A push whose inputs differ from production: accepted, flagged, and promoting it needs `force`. */
export type SchemaChange = z.infer<typeof schemaChangeSchema>;
/** How a pushed version's inputs differ from the version `production` pointed at when it was pushed. */
export type SchemaDiff = SchemaChange['diff'];
/** Where an alias sends requests: one target (a plain alias) or several (a split), plus a shadow. */
export type AliasRoute = z.infer<typeof aliasRouteSchema>;
/** One version an alias sends traffic to; weights are relative (90 and 10 make a 90/10 split). */
export type AliasTarget = AliasRoute['targets'][number];
/** A version that receives a copy of `percent` % of the alias's traffic; its answers are logged only. */
export type ShadowTarget = NonNullable<AliasRoute['shadow']>;
export type AliasInfo = z.infer<typeof aliasInfoSchema>;
/** One alias move: when, from where, to where, by whom. */
export type AliasHistoryEntry = z.infer<typeof historyEntrySchema>;
export type AliasAction = AliasHistoryEntry['action'];
export type ModelSummary = z.infer<typeof modelSummarySchema>;
export type ModelDetail = z.infer<typeof modelDetailSchema>;
export type ModelPage = z.infer<typeof modelListSchema>;

/** Filters and paging for listing models. */
export interface ModelQuery {
  /** Substring of the name or description (case-insensitive). */
  q?: string | undefined;
  /** `key` (the tag is set) or `key:value`. */
  tag?: string | undefined;
  task?: Task | undefined;
  /** Only models this caller may see (admins: all; others: public ones and their team's). */
  viewer?: { all: boolean; team: string | null } | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}
