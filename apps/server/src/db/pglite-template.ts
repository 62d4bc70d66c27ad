/**
 * The pre-initialised data directory a first start copies instead of running initdb: initdb in
 * WebAssembly took 5–6 s and left ~440 MB of WebAssembly memories resident; restoring this tarball
 * (PGlite's `loadDataDir`, the migrations already applied) takes under a second. `npm run build`
 * writes it (build-pglite-template.ts); without it a first start runs initdb as before.
 */
import path from 'node:path';

export const PGLITE_TEMPLATE = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  'dist',
  'pglite-template.tar.gz',
);
