-- AlterTable
ALTER TABLE "Guest" ADD COLUMN     "startedAt" TIMESTAMP(3);
