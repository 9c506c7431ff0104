-- CreateTable
CREATE TABLE "Milestone" (
    "id" SERIAL NOT NULL,
    "babyId" INTEGER NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "reachedOn" DATE NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Milestone_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Milestone_babyId_title_key" ON "Milestone"("babyId", "title");

-- AddForeignKey
ALTER TABLE "Milestone" ADD CONSTRAINT "Milestone_babyId_fkey" FOREIGN KEY ("babyId") REFERENCES "Baby"("id") ON DELETE CASCADE ON UPDATE CASCADE;
