-- CreateTable
CREATE TABLE "audit_entries" (
    "seq" BIGINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "actor_kind" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" JSONB NOT NULL,
    "detail" JSONB NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "audit_head" (
    "id" INTEGER NOT NULL,
    "seq" BIGINT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "audit_head_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_entries_action_seq_idx" ON "audit_entries"("action", "seq" DESC);

-- CreateIndex
CREATE INDEX "audit_entries_actor_id_seq_idx" ON "audit_entries"("actor_id", "seq" DESC);

-- Written by hand (Prisma does not model these) ------------------------------

-- The chain starts empty: head seq 0, the genesis hash.
INSERT INTO "audit_head" ("id", "seq", "hash") VALUES (1, 0, repeat('0', 64));

-- Append-only: no role that is subject to triggers may change or remove an entry.
CREATE FUNCTION "audit_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER "audit_entries_no_update_delete" BEFORE UPDATE OR DELETE ON "audit_entries"
  FOR EACH ROW EXECUTE FUNCTION "audit_refuse_change"();
CREATE TRIGGER "audit_entries_no_truncate" BEFORE TRUNCATE ON "audit_entries"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();
-- The head row is updated by every append, never removed.
CREATE TRIGGER "audit_head_no_delete" BEFORE DELETE ON "audit_head"
  FOR EACH ROW EXECUTE FUNCTION "audit_refuse_change"();
CREATE TRIGGER "audit_head_no_truncate" BEFORE TRUNCATE ON "audit_head"
  FOR EACH STATEMENT EXECUTE FUNCTION "audit_refuse_change"();

-- A least-privilege role for the applications (NOLOGIN: give a login role
-- membership in it). Triggers bind only roles that cannot disable them; the
-- table's owner and superusers can, so production apps should connect as a
-- member of this role, not as the owner. Skipped, with a notice, when the
-- migrating user may not create roles.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flightdeck_app') THEN
    CREATE ROLE "flightdeck_app" NOLOGIN;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL; -- created meanwhile by a concurrent migration
  WHEN insufficient_privilege THEN
    RAISE NOTICE 'role flightdeck_app not created (no CREATEROLE): create it and grant it by hand';
END;
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'flightdeck_app') THEN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO "flightdeck_app"', current_database());
    GRANT USAGE ON SCHEMA public TO "flightdeck_app";
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "flightdeck_app";
    ALTER DEFAULT PRIVILEGES IN SCHEMA public
      GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "flightdeck_app";
    REVOKE UPDATE, DELETE, TRUNCATE ON "audit_entries" FROM "flightdeck_app";
    REVOKE DELETE, TRUNCATE ON "audit_head" FROM "flightdeck_app";
  END IF;
END;
$$;
