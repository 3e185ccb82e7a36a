-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "origin" TEXT NOT NULL DEFAULT 'spawn',
ADD COLUMN     "origin_run_id" UUID,
ADD COLUMN     "origin_seq" INTEGER,
ADD COLUMN     "rerun_report" JSONB;

-- CreateIndex
CREATE INDEX "runs_origin_run_id_created_at_idx" ON "runs"("origin_run_id", "created_at");
