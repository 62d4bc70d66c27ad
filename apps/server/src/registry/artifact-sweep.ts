/**
 * The start-up sweep that makes artifact writes crash-safe: a push writes a temp file, fsyncs it,
 * renames it under its sha256, then inserts the row. A crash between any two steps leaves a temp
 * file or an artifact no row refers to; this deletes both, so only fully stored versions remain.
 */
import { inArray } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { modelVersions } from '../db/schema.js';
import type { StoredFile } from './artifact-store.js';

/** What the sweep needs of a store: every entry (committed and temporary), and a way to delete one. */
export interface SweepableStore {
  list(): Promise<StoredFile[]>;
  removeFile(file: StoredFile): Promise<void>;
}

export interface SweepOptions {
  /**
   * Leave files younger than this alone. 0 for one process (nothing else can be mid-push); replicas
   * that share the store need a grace period so one's start does not delete another's upload.
   */
  graceMs: number;
  now?: () => number;
}

export interface SweepResult {
  temporary: number;
  orphans: number;
}

export async function sweepArtifacts(
  db: Db,
  store: SweepableStore,
  options: SweepOptions,
): Promise<SweepResult> {
  const cutoff = (options.now ?? Date.now)() - options.graceMs;
  const files = (await store.list()).filter((f) => f.mtimeMs <= cutoff);
  const hashes = [...new Set(files.flatMap((f) => (f.sha256 ? [f.sha256] : [])))];
  const referenced = new Set<string>();
  for (let i = 0; i < hashes.length; i += 500) {
    const rows = await db
      .selectDistinct({ sha256: modelVersions.sha256 })
      .from(modelVersions)
      .where(inArray(modelVersions.sha256, hashes.slice(i, i + 500)));
    for (const r of rows) referenced.add(r.sha256);
  }
  const result: SweepResult = { temporary: 0, orphans: 0 };
  for (const file of files) {
    if (file.sha256 && referenced.has(file.sha256)) continue;
    await store.removeFile(file);
    if (file.sha256) result.orphans++;
    else result.temporary++;
  }
  return result;
}
