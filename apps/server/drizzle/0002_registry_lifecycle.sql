CREATE TABLE "alias_history" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_id" integer NOT NULL,
	"alias" text NOT NULL,
	"action" text NOT NULL,
	"from_route" jsonb,
	"to_route" jsonb,
	"actor" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"key" text PRIMARY KEY NOT NULL,
	"fingerprint" text NOT NULL,
	"status" integer,
	"content_type" text,
	"body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "aliases" ADD COLUMN "split" jsonb;--> statement-breakpoint
ALTER TABLE "aliases" ADD COLUMN "shadow" jsonb;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "schema_change" jsonb;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "tags" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "last_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "alias_history" ADD CONSTRAINT "alias_history_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alias_history_model_alias_idx" ON "alias_history" USING btree ("model_id","alias","id");--> statement-breakpoint
UPDATE "models" SET "last_version" = COALESCE((SELECT max("version") FROM "model_versions" WHERE "model_versions"."model_id" = "models"."id"), 0);
