-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "last_seq" INTEGER NOT NULL DEFAULT 0;
