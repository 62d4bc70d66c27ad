CREATE TABLE "prediction_log_settings" (
	"model" text PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT false NOT NULL,
	"sample_rate" real DEFAULT 1 NOT NULL,
	"retention_days" integer DEFAULT 30 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "prediction_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"model" text NOT NULL,
	"version" integer NOT NULL,
	"request_id" text NOT NULL,
	"protocol" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"latency_ms" real NOT NULL,
	"features" jsonb,
	"image_stats" jsonb,
	"output" jsonb NOT NULL,
	"label" text
);
--> statement-breakpoint
CREATE TABLE "reference_datasets" (
	"model" text NOT NULL,
	"version" integer NOT NULL,
	"features" jsonb NOT NULL,
	"labels" jsonb,
	"source" text NOT NULL,
	"rows" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reference_datasets_model_version_pk" PRIMARY KEY("model","version")
);
--> statement-breakpoint
CREATE INDEX "prediction_logs_model_time_idx" ON "prediction_logs" USING btree ("model","created_at");