-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "open_breakers" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "team_breaker_defaults" (
    "team_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "thresholds" JSONB NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "team_breaker_defaults_pkey" PRIMARY KEY ("team_id","version")
);

-- AddForeignKey
ALTER TABLE "team_breaker_defaults" ADD CONSTRAINT "team_breaker_defaults_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;
