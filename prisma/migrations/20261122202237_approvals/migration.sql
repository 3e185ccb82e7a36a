-- AlterTable
ALTER TABLE "teams" ADD COLUMN     "policy_version" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "team_policies" (
    "team_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "rules" JSONB NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "team_policies_pkey" PRIMARY KEY ("team_id","version")
);

-- CreateTable
CREATE TABLE "approvals" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "team_id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "agent_name" TEXT NOT NULL,
    "call_id" TEXT NOT NULL,
    "tool" TEXT NOT NULL,
    "args" JSONB NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "rule_id" TEXT,
    "reason" TEXT NOT NULL,
    "risk" TEXT,
    "diff" JSONB,
    "requested_by" JSONB NOT NULL,
    "settings" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "votes" JSONB NOT NULL DEFAULT '[]',
    "warned" BOOLEAN NOT NULL DEFAULT false,
    "requested_at" TIMESTAMPTZ(3) NOT NULL,
    "warn_at" TIMESTAMPTZ(3) NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "requested_seq" INTEGER NOT NULL,
    "decided_at" TIMESTAMPTZ(3),
    "decision" JSONB,

    CONSTRAINT "approvals_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "approvals_status_expires_at_idx" ON "approvals"("status", "expires_at");

-- CreateIndex
CREATE INDEX "approvals_run_id_requested_at_idx" ON "approvals"("run_id", "requested_at");

-- CreateIndex
CREATE INDEX "approvals_requested_at_idx" ON "approvals"("requested_at" DESC);

-- AddForeignKey
ALTER TABLE "team_policies" ADD CONSTRAINT "team_policies_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "approvals" ADD CONSTRAINT "approvals_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
