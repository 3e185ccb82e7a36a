-- A call's lifecycle events by call id, for the event store's "a call ends once"
-- check under the run's lock (an expression index: Prisma's schema cannot say it).
CREATE INDEX "events_run_id_call_id_seq_idx" ON "events" ("run_id", ((payload->>'callId')), "seq");
