/** The server's version, reported by `/v2`, OpenAPI and traces. */
export const SERVICE_VERSION = '0.1.0';
