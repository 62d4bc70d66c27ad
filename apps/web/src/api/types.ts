// Types of the Model Garden HTTP API that only the web app uses. The API's own shapes (models,
// versions, aliases, predictions, upload metadata) come from the SDK: `import type` from
// '@modelgarden/sdk', which is erased at build time, so none of the SDK's code reaches the bundle.

/** The body of every `/api/*` error. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
