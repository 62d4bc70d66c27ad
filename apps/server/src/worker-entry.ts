/**
 * How to start a worker thread on one of our own modules, built or from the TypeScript sources.
 * Built, the entry is `<name>.js` beside the caller. From the sources (tsx, Vitest) it is `<name>.ts`,
 * which a worker can only load after registering tsx's loader in that thread (`execArgv: ['--import',
 * 'tsx']` does not reach worker threads), so a two-line bootstrap does that.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * @example new Worker(entry.target, { eval: entry.eval }) with entry = workerEntry(import.meta.url, 'pglite-thread')
 */
export function workerEntry(callerUrl: string, name: string): { target: string | URL; eval: boolean } {
  if (!callerUrl.endsWith('.ts')) return { target: new URL(`./${name}.js`, callerUrl), eval: false };
  const tsxApi = pathToFileURL(createRequire(callerUrl).resolve('tsx/esm/api')).href.replace(
    /\.cjs$/,
    '.mjs',
  );
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  return {
    target: `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    eval: true,
  };
}
