-- CreateTable
CREATE TABLE "NodeMetric" (
    "tier" SMALLINT NOT NULL,
    "slot" INTEGER NOT NULL,
    "node" TEXT NOT NULL,
    "ts" BIGINT NOT NULL,
    "n" INTEGER NOT NULL,
    "cpuSum" DOUBLE PRECISION,
    "cpuMax" DOUBLE PRECISION,
    "maxcpuSum" DOUBLE PRECISION,
    "maxcpuMax" DOUBLE PRECISION,
    "load1Sum" DOUBLE PRECISION,
    "load1Max" DOUBLE PRECISION,
    "memUsedSum" DOUBLE PRECISION,
    "memUsedMax" DOUBLE PRECISION,
    "memTotalSum" DOUBLE PRECISION,
    "memTotalMax" DOUBLE PRECISION,
    "swapUsedSum" DOUBLE PRECISION,
    "swapUsedMax" DOUBLE PRECISION,
    "swapTotalSum" DOUBLE PRECISION,
    "swapTotalMax" DOUBLE PRECISION,
    "rootUsedSum" DOUBLE PRECISION,
    "rootUsedMax" DOUBLE PRECISION,
    "rootTotalSum" DOUBLE PRECISION,
    "rootTotalMax" DOUBLE PRECISION,
    "netInSum" DOUBLE PRECISION,
    "netInMax" DOUBLE PRECISION,
    "netOutSum" DOUBLE PRECISION,
    "netOutMax" DOUBLE PRECISION,
    "diskReadSum" DOUBLE PRECISION,
    "diskReadMax" DOUBLE PRECISION,
    "diskWriteSum" DOUBLE PRECISION,
    "diskWriteMax" DOUBLE PRECISION,
    "psiCpuSum" DOUBLE PRECISION,
    "psiCpuMax" DOUBLE PRECISION,
    "psiMemSum" DOUBLE PRECISION,
    "psiMemMax" DOUBLE PRECISION,
    "psiIoSum" DOUBLE PRECISION,
    "psiIoMax" DOUBLE PRECISION,

    CONSTRAINT "NodeMetric_pkey" PRIMARY KEY ("tier","slot","node")
);

-- CreateTable
CREATE TABLE "GuestMetric" (
    "tier" SMALLINT NOT NULL,
    "slot" INTEGER NOT NULL,
    "vmid" INTEGER NOT NULL,
    "ts" BIGINT NOT NULL,
    "n" INTEGER NOT NULL,
    "cpuSum" DOUBLE PRECISION,
    "cpuMax" DOUBLE PRECISION,
    "maxcpuSum" DOUBLE PRECISION,
    "maxcpuMax" DOUBLE PRECISION,
    "memSum" DOUBLE PRECISION,
    "memMax" DOUBLE PRECISION,
    "maxmemSum" DOUBLE PRECISION,
    "maxmemMax" DOUBLE PRECISION,
    "diskReadSum" DOUBLE PRECISION,
    "diskReadMax" DOUBLE PRECISION,
    "diskWriteSum" DOUBLE PRECISION,
    "diskWriteMax" DOUBLE PRECISION,
    "diskReadOpsSum" DOUBLE PRECISION,
    "diskReadOpsMax" DOUBLE PRECISION,
    "diskWriteOpsSum" DOUBLE PRECISION,
    "diskWriteOpsMax" DOUBLE PRECISION,
    "netInSum" DOUBLE PRECISION,
    "netInMax" DOUBLE PRECISION,
    "netOutSum" DOUBLE PRECISION,
    "netOutMax" DOUBLE PRECISION,
    "uptimeSum" DOUBLE PRECISION,
    "uptimeMax" DOUBLE PRECISION,
    "runningSum" DOUBLE PRECISION,
    "runningMax" DOUBLE PRECISION,

    CONSTRAINT "GuestMetric_pkey" PRIMARY KEY ("tier","slot","vmid")
);

-- CreateTable
CREATE TABLE "StorageMetric" (
    "tier" SMALLINT NOT NULL,
    "slot" INTEGER NOT NULL,
    "node" TEXT NOT NULL,
    "storage" TEXT NOT NULL,
    "ts" BIGINT NOT NULL,
    "n" INTEGER NOT NULL,
    "usedSum" DOUBLE PRECISION,
    "usedMax" DOUBLE PRECISION,
    "totalSum" DOUBLE PRECISION,
    "totalMax" DOUBLE PRECISION,

    CONSTRAINT "StorageMetric_pkey" PRIMARY KEY ("tier","slot","node","storage")
);

-- CreateIndex
CREATE INDEX "NodeMetric_node_tier_ts_idx" ON "NodeMetric"("node", "tier", "ts");

-- CreateIndex
CREATE INDEX "GuestMetric_vmid_tier_ts_idx" ON "GuestMetric"("vmid", "tier", "ts");

-- CreateIndex
CREATE INDEX "StorageMetric_node_storage_tier_ts_idx" ON "StorageMetric"("node", "storage", "tier", "ts");
