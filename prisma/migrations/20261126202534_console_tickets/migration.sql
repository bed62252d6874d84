-- CreateTable
CREATE TABLE "ConsoleTicket" (
    "hash" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "tokenId" TEXT,
    "privsep" BOOLEAN NOT NULL DEFAULT false,
    "vmid" INTEGER NOT NULL,
    "node" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConsoleTicket_pkey" PRIMARY KEY ("hash")
);

-- CreateIndex
CREATE INDEX "ConsoleTicket_expiresAt_idx" ON "ConsoleTicket"("expiresAt");
