-- CreateTable
CREATE TABLE "TaskGeneration" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "value" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "TaskGeneration_pkey" PRIMARY KEY ("id")
);
-- Written by hand: the row, and the trigger that raises the generation on
-- every statement that changes tasks (server/services/tasks/tasks.ts).
INSERT INTO "TaskGeneration" ("id", "value") VALUES (1, 0);

CREATE FUNCTION horcrux_bump_task_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "TaskGeneration" SET "value" = "value" + 1 WHERE "id" = 1;
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Task_task_generation" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "Task"
  FOR EACH STATEMENT EXECUTE FUNCTION horcrux_bump_task_generation();
