import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: [
    './apps/server/src/db/schema.ts',
    './apps/server/src/db/observability-schema.ts',
    './apps/server/src/db/auth-schema.ts',
    './apps/server/src/db/llm-schema.ts',
    './apps/server/src/db/conversation-schema.ts',
    './apps/server/src/db/retrieval-schema.ts',
  ],
  out: './apps/server/drizzle',
});
