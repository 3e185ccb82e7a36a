-- CreateTable
CREATE TABLE "price_tables" (
    "seq" INTEGER NOT NULL,
    "version" TEXT NOT NULL,
    "prices" JSONB NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "price_tables_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "price_tables_version_key" ON "price_tables"("version");
