-- AlterTable
ALTER TABLE "user_access" ADD COLUMN     "deactivated_at" TIMESTAMPTZ(3);
