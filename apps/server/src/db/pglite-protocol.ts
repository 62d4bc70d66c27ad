/**
 * The messages between the event loop's thread and the worker thread that owns the embedded PGlite
 * database (pglite-thread.ts ↔ pglite-client.ts). Plain, structured-cloneable data only.
 */

export interface PgliteThreadData {
  /** A directory to open (created and initialised if empty); null for an in-memory database. */
  dataDir: string | null;
  /** Drizzle migrations applied before the thread says it is ready; null to skip. */
  migrationsFolder: string | null;
  /** Initialise the directory, migrate, close and exit: the short-lived first-start worker. */
  initOnly: boolean;
}

export type PgliteRequest =
  | {
      id: number;
      op: 'query';
      sql: string;
      params: unknown[];
      rowMode: 'array' | 'object';
      /** Drizzle's parsers: date, time and interval types as PostgreSQL's text. */
      rawDates: boolean;
      /** The transaction to run in (its `begin` id), or 0 outside one. */
      tx: number;
    }
  | { id: number; op: 'exec'; sql: string; tx: number }
  /** `sql` is a `COPY … FROM '/dev/blob'`; `data` becomes the blob it reads (transferred, not copied). */
  | { id: number; op: 'copy'; sql: string; data: Uint8Array; tx: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

export interface PgliteResults {
  rows: unknown[];
  affectedRows?: number;
  fields: Array<{ name: string; dataTypeID: number }>;
}

/** An error's message, name and primitive fields (PostgreSQL's code, detail, constraint…). */
export interface PgliteErrorData {
  message: string;
  name: string;
  fields: Record<string, string | number | boolean>;
}

export type PgliteReply =
  | { type: 'ready' }
  | { type: 'failed'; error: PgliteErrorData }
  | { id: number; ok: true; result?: PgliteResults | PgliteResults[] }
  | { id: number; ok: false; error: PgliteErrorData };

export function errorData(err: unknown): PgliteErrorData {
  if (!(err instanceof Error)) return { message: String(err), name: 'Error', fields: {} };
  const fields: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(err)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
  }
  return { message: err.message, name: err.name, fields };
}

export function errorFrom(data: PgliteErrorData): Error {
  const err = Object.assign(new Error(data.message), data.fields);
  err.name = data.name;
  return err;
}
