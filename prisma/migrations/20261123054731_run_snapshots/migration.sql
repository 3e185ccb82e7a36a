-- CreateTable
CREATE TABLE "run_snapshots" (
    "run_id" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "format" INTEGER NOT NULL,
    "state" JSON NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "run_snapshots_pkey" PRIMARY KEY ("run_id")
);

-- AddForeignKey
ALTER TABLE "run_snapshots" ADD CONSTRAINT "run_snapshots_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
