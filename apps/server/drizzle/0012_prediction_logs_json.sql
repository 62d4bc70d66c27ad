ALTER TABLE "prediction_logs" ALTER COLUMN "features" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "prediction_logs" ALTER COLUMN "image_stats" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "prediction_logs" ALTER COLUMN "output" SET DATA TYPE json;