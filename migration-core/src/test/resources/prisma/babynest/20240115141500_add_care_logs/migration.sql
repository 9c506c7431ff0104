-- CreateEnum
CREATE TYPE "FeedingKind" AS ENUM ('BREAST', 'BOTTLE', 'SOLID');

-- CreateTable
CREATE TABLE "FeedingLog" (
    "id" BIGSERIAL NOT NULL,
    "babyId" INTEGER NOT NULL,
    "loggedById" INTEGER NOT NULL,
    "kind" "FeedingKind" NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),
    "amountOz" DECIMAL(5,2),
    "note" TEXT,

    CONSTRAINT "FeedingLog_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SleepLog" (
    "id" BIGSERIAL NOT NULL,
    "babyId" INTEGER NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "SleepLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FeedingLog_babyId_startedAt_idx" ON "FeedingLog"("babyId", "startedAt" DESC);

-- CreateIndex
CREATE INDEX "SleepLog_babyId_startedAt_idx" ON "SleepLog"("babyId", "startedAt" DESC);

-- AddForeignKey
ALTER TABLE "FeedingLog" ADD CONSTRAINT "FeedingLog_babyId_fkey" FOREIGN KEY ("babyId") REFERENCES "Baby"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FeedingLog" ADD CONSTRAINT "FeedingLog_loggedById_fkey" FOREIGN KEY ("loggedById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SleepLog" ADD CONSTRAINT "SleepLog_babyId_fkey" FOREIGN KEY ("babyId") REFERENCES "Baby"("id") ON DELETE CASCADE ON UPDATE CASCADE;
