-- One statement, so an existing table is rewritten once, not three times.
ALTER TABLE "prediction_logs" ALTER COLUMN "features" SET DATA TYPE json, ALTER COLUMN "image_stats" SET DATA TYPE json, ALTER COLUMN "output" SET DATA TYPE json;
