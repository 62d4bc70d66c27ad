/**
 * The pre-initialised data directory a first start copies instead of running initdb: initdb in
 * WebAssembly took 5–6 s and left ~440 MB of WebAssembly memories resident; copying this directory
 * (the migrations already applied) takes milliseconds and runs no WebAssembly at all. `npm run
 * build` writes it (build-pglite-template.ts); without it a first start runs initdb in a
 * short-lived worker.
 */
import path from 'node:path';

export const PGLITE_TEMPLATE = path.resolve(import.meta.dirname, '..', '..', 'dist', 'pglite-template');
