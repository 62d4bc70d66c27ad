/**
 * The ingestion worker in a process of its own, for the crash test (retrieval/ingest-crash.test.ts):
 * opens the database as the server does (DATA_DIR's PGlite, or DATABASE_URL), uploads one large
 * generated markdown document through RetrievalService, starts the worker and, once the first batch of
 * chunks is inserted in the document's open transaction, prints `{"progress":…}` and waits there for
 * the SIGKILL. Run as `node --import tsx ingest-child.ts`; COLLECTION names the collection; LEASE_MS and
 * MAX_ATTEMPTS set the worker's.
 */

import type { Principal } from '../auth/principal.js';
import { openDatabase } from '../db/database.js';
import { RetrievalService } from '../retrieval/retrieval-service.js';

const COLLECTION = process.env.COLLECTION ?? 'crash';
const admin: Principal = { kind: 'bootstrap', scopes: ['admin'] };

/** `sections` sections of ten paragraphs each, about 1,000 characters a paragraph: one chunk each. */
function largeDocument(sections: number): string {
  const out: string[] = [];
  for (let s = 0; s < sections; s++) {
    out.push(`# Section ${s}`);
    for (let p = 0; p < 10; p++)
      out.push(
        `Paragraph ${p} of section ${s} about ingestion${s}x${p}. ${'Lorem ipsum dolor sit amet. '.repeat(36)}`,
      );
  }
  return out.join('\n\n');
}

const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL || undefined;
  const database = await openDatabase(url ? { url, dataDir: '' } : { dataDir: process.env.DATA_DIR! });
  const retrieval = new RetrievalService(database.db, {
    maxDocumentBytes: 50_000_000,
    ingest: {
      leaseMs: Number(process.env.LEASE_MS ?? 300_000),
      maxAttempts: Number(process.env.MAX_ATTEMPTS ?? 3),
      onProgress: async (documentId, written, total) => {
        print({ progress: { documentId, written, total } });
        await new Promise(() => {}); // mid-document, transaction open: wait for the kill
      },
    },
  });
  await retrieval.create(admin, { name: COLLECTION });
  const bytes = new TextEncoder().encode(largeDocument(Number(process.env.SECTIONS ?? 100)));
  const uploaded = await retrieval.upload(admin, COLLECTION, 'large.md', bytes);
  print({ uploaded });
  await retrieval.start(database.kind === 'pglite');
  setInterval(() => {}, 60_000); // the worker's timer and the database thread do not keep a process alive
}

await main();
