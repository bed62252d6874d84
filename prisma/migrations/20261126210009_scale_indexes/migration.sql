-- CreateTable
CREATE TABLE "AccessGeneration" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "value" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "AccessGeneration_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Guest_updatedAt_idx" ON "Guest"("updatedAt");
-- Written by hand: the row, and the triggers that raise the generation on
-- every statement that changes what decides permissions.
INSERT INTO "AccessGeneration" ("id", "value") VALUES (1, 0);

CREATE FUNCTION horcrux_bump_access_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "AccessGeneration" SET "value" = "value" + 1 WHERE "id" = 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "AclEntry_access_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "AclEntry"
  FOR EACH STATEMENT EXECUTE FUNCTION horcrux_bump_access_generation();
CREATE TRIGGER "Role_access_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Role"
  FOR EACH STATEMENT EXECUTE FUNCTION horcrux_bump_access_generation();
CREATE TRIGGER "PoolMember_access_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "PoolMember"
  FOR EACH STATEMENT EXECUTE FUNCTION horcrux_bump_access_generation();
CREATE TRIGGER "GroupMember_access_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "GroupMember"
  FOR EACH STATEMENT EXECUTE FUNCTION horcrux_bump_access_generation();
