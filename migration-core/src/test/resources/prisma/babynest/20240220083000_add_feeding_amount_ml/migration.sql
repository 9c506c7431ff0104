-- AlterTable
ALTER TABLE "FeedingLog" ADD COLUMN     "amountMl" INTEGER;
