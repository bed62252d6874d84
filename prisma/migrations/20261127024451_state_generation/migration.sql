-- CreateTable
CREATE TABLE "StateGeneration" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "value" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "StateGeneration_pkey" PRIMARY KEY ("id")
);
-- Written by hand: the row, and the triggers that raise the generation on
-- every statement that changes what the resource tree and the guest lists
-- show (a node's heartbeat, which only moves lastSeenAt, does not).
INSERT INTO "StateGeneration" ("id", "value") VALUES (1, 0);

CREATE FUNCTION horcrux_bump_state_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "StateGeneration" SET "value" = "value" + 1 WHERE "id" = 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Guest_state_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Guest"
  FOR EACH STATEMENT EXECUTE FUNCTION horcrux_bump_state_generation();
CREATE TRIGGER "Node_state_generation" AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF "name" ON "Node"
  FOR EACH STATEMENT EXECUTE FUNCTION horcrux_bump_state_generation();
CREATE TRIGGER "Cluster_state_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Cluster"
  FOR EACH STATEMENT EXECUTE FUNCTION horcrux_bump_state_generation();
