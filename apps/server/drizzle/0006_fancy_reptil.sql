CREATE TABLE "llm_counters" (
	"subject" text PRIMARY KEY NOT NULL,
	"minute_start" bigint NOT NULL,
	"minute_requests" integer NOT NULL,
	"minute_tokens" bigint NOT NULL,
	"day_start" bigint NOT NULL,
	"day_tokens" bigint NOT NULL,
	"month_start" bigint NOT NULL,
	"month_tokens" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "llm_key_settings" (
	"key_id" integer PRIMARY KEY NOT NULL,
	"allowed_models" jsonb,
	"requests_per_minute" integer,
	"tokens_per_minute" bigint,
	"tokens_per_day" bigint,
	"tokens_per_month" bigint,
	"store_content" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "llm_usage" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"request_id" text,
	"key_id" integer,
	"user_id" integer,
	"subject" text NOT NULL,
	"endpoint" text NOT NULL,
	"model" text NOT NULL,
	"provider" text,
	"deployment" text,
	"stream" boolean DEFAULT false NOT NULL,
	"prompt_tokens" integer DEFAULT 0 NOT NULL,
	"completion_tokens" integer DEFAULT 0 NOT NULL,
	"tokens_estimated" boolean DEFAULT false NOT NULL,
	"ttft_ms" real,
	"duration_ms" real NOT NULL,
	"status" text NOT NULL,
	"error_code" text,
	"http_status" integer,
	"attempts" integer DEFAULT 0 NOT NULL,
	"fallbacks" integer DEFAULT 0 NOT NULL,
	"prompt" jsonb,
	"answer" jsonb
);
--> statement-breakpoint
ALTER TABLE "llm_key_settings" ADD CONSTRAINT "llm_key_settings_key_id_api_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."api_keys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "llm_usage_at_idx" ON "llm_usage" USING btree ("at");--> statement-breakpoint
CREATE INDEX "llm_usage_key_idx" ON "llm_usage" USING btree ("key_id","at");--> statement-breakpoint
CREATE INDEX "llm_usage_user_idx" ON "llm_usage" USING btree ("user_id","at");