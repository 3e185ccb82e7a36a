-- CreateTable
CREATE TABLE "team_budgets" (
    "team_id" UUID NOT NULL,
    "day" JSONB NOT NULL DEFAULT '{}',
    "month" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "team_budgets_pkey" PRIMARY KEY ("team_id")
);

-- CreateTable
CREATE TABLE "global_budget" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "day" JSONB NOT NULL DEFAULT '{}',
    "month" JSONB NOT NULL DEFAULT '{}',
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "global_budget_pkey" PRIMARY KEY ("id")
);

-- AddForeignKey
ALTER TABLE "team_budgets" ADD CONSTRAINT "team_budgets_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE CASCADE ON UPDATE CASCADE;
