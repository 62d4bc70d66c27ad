// @modelgarden/sdk: a typed client for the Model Garden REST and Open Inference Protocol v2 API.

export {
  type AliasMoveOptions,
  type CallOptions,
  type ImageInput,
  type InferOptions,
  ModelGardenClient,
  type ModelGardenClientOptions,
  type MutationOptions,
  type PredictOptions,
  type PushModelOptions,
} from './client.js';
export {
  type ApiErrorCode,
  type ClientErrorCode,
  ModelGardenApiError,
  ModelGardenNetworkError,
  SERVER_ERROR_CODES,
  type ServerErrorCode,
} from './errors.js';
export type { UploadProgress } from './multipart.js';
export type * from './openai-types.js';
export type * from './types.js';
export type { UploadSource } from './upload-source.js';
