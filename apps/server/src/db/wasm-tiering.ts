/**
 * How soon V8 recompiles PGlite's WebAssembly with its optimising compiler (TurboFan). By default a
 * function is optimised after ~1.8 MB of its code has run, which at start-up is most of PostgreSQL's
 * start and recovery code, run once: ~1.2 s of CPU on V8's background threads (against the two
 * cores the server starts on) and ~30 MB of resident code, for functions that never run again.
 * With a budget 100× larger, start-up code stays in the baseline compiler's (Liftoff's) code while
 * the statements the server runs all day (COPY, index inserts, the registry's lookups) still
 * become hot and are optimised: PGlite's CPU per logged row was unchanged within the noise
 * (`npx tsx bench/prediction-log-write.ts`), where Liftoff alone (`--liftoff-only`) doubled it.
 */
import v8 from 'node:v8';

/** V8's default `--wasm-tiering-budget` (Node 20, V8 11.3) × 100. */
const TIERING_BUDGET = 180_000_000;

let set = false;

/**
 * Raises V8's WebAssembly tiering budget for this process, unless `node --wasm-tiering-budget=N` set
 * one. V8 flags are process-wide: call it before the first PGlite compiles.
 */
export function raiseWasmTieringBudget(): void {
  if (set) return;
  set = true;
  if (process.execArgv.some((a) => a.startsWith('--wasm-tiering-budget'))) return;
  v8.setFlagsFromString(`--wasm-tiering-budget=${TIERING_BUDGET}`);
}
