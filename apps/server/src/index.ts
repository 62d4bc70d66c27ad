/** Public entry of @modelgarden/server: start the whole system, or build its parts for tests. */
export { type Config, loadConfig } from './config/config.js';
export { type AppContext, createContext, warmUp } from './context.js';
export { ERROR_CODES, type ErrorCode, ModelGardenError } from './errors/model-garden-error.js';
export { buildApp } from './http/app.js';
export { createLogger } from './logger.js';
export type * from './registry/types.js';
export { resetPasswordInDatabase } from './reset-password.js';
export { configFromOptions, type RunningServer, type StartOptions, startServer } from './server.js';
