-- AlterTable
ALTER TABLE "Guest" ADD COLUMN     "reason" TEXT;
