// Types of the Model Garden HTTP API that only the web app uses. The API's own shapes (models,
// versions, aliases, predictions, upload metadata) come from the SDK, whose client makes every call
// (api/client.ts); this is the error body the upload's XMLHttpRequest reads itself.

/** The body of every `/api/*` error. */
export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}
