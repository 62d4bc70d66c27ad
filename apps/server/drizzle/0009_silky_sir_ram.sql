ALTER TABLE "conversation_messages" ADD COLUMN "extras" jsonb;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "tools" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "collections" jsonb DEFAULT '[]'::jsonb NOT NULL;