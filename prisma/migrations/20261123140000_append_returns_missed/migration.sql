-- The append function also returns what the caller missed: given the last seq
-- of the caller's state, the events appended since and before this append (at
-- most 200; NULL beyond, or without a seq), as JSON rows of the events table
-- (`at` in UTC ISO-8601). A worker then folds them in without reading the log
-- back. Otherwise as in 20261123093000_append_function.
DROP FUNCTION "flightdeck_append_events"(uuid, json, text, timestamptz, int, bigint, bigint, bigint, text[], text[], uuid[], int[], int, text[], boolean, int, text[], uuid, int, text[], text[], text[], text[]);

CREATE FUNCTION "flightdeck_append_events"(
  p_run_id uuid,
  p_events json,
  p_status text,
  p_ended_at timestamptz,
  p_turns int,
  p_input_tokens bigint,
  p_output_tokens bigint,
  p_cost_micro_usd bigint,
  p_opened_breakers text[],
  p_closed_breakers text[],
  p_agent_ids uuid[],
  p_agent_seqs int[],
  p_spawned int,
  p_terminal_statuses text[],
  p_allow_after_end boolean,
  p_expect_run_seq int,
  p_run_statuses text[],
  p_fence_agent uuid,
  p_fence_last_seq int,
  p_fence_paused_modes text[],
  p_ending_calls text[],
  p_lifecycle_types text[],
  p_opening_types text[],
  p_seen_seq int
) RETURNS TABLE (outcome text, status text, last_seq int, detail text, missed json)
LANGUAGE plpgsql AS $$
DECLARE
  v_status text;
  v_last_seq int;
  v_ended boolean;
  v_detail text;
  v_count int;
  v_missed json;
BEGIN
  SELECT r.status, r.last_seq INTO v_status, v_last_seq FROM runs r WHERE r.id = p_run_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not-found'::text, NULL::text, NULL::int, NULL::text, NULL::json;
    RETURN;
  END IF;
  v_ended := v_status = ANY(p_terminal_statuses);
  IF v_ended AND NOT p_allow_after_end THEN
    RETURN QUERY SELECT 'ended'::text, v_status, v_last_seq, NULL::text, NULL::json;
    RETURN;
  END IF;
  IF p_expect_run_seq IS NOT NULL AND v_last_seq <> p_expect_run_seq THEN
    RETURN QUERY SELECT 'moved'::text, v_status, v_last_seq, NULL::text, NULL::json;
    RETURN;
  END IF;
  IF p_run_statuses IS NOT NULL AND NOT (v_status = ANY(p_run_statuses)) THEN
    RETURN QUERY SELECT 'status'::text, v_status, v_last_seq, NULL::text, NULL::json;
    RETURN;
  END IF;
  IF p_fence_agent IS NOT NULL THEN
    IF v_status = 'paused' AND p_fence_paused_modes IS NOT NULL THEN
      SELECT e.payload->>'mode' INTO v_detail FROM events e
       WHERE e.run_id = p_run_id AND e.type = 'run.paused' ORDER BY e.seq DESC LIMIT 1;
      IF v_detail IS NULL OR NOT (v_detail = ANY(p_fence_paused_modes)) THEN
        RETURN QUERY SELECT 'paused'::text, v_status, v_last_seq, v_detail, NULL::json;
        RETURN;
      END IF;
    END IF;
    SELECT a.last_seq::text INTO v_detail FROM agents a WHERE a.id = p_fence_agent AND a.run_id = p_run_id;
    IF v_detail IS DISTINCT FROM p_fence_last_seq::text THEN
      RETURN QUERY SELECT 'fence'::text, v_status, v_last_seq, v_detail, NULL::json;
      RETURN;
    END IF;
  END IF;
  -- A call is ended only while open: its last lifecycle event in the log is an opening one
  -- (or it has none: a call refused before dispatch). A tool call resolved with a retry is
  -- requested again, so it opens (the domain's callLifecycleRole).
  IF cardinality(p_ending_calls) > 0 THEN
    SELECT c.call_id || ' ' || l.type INTO v_detail
      FROM unnest(p_ending_calls) AS c(call_id)
      JOIN LATERAL (
        SELECT e.type, e.payload FROM events e
         WHERE e.run_id = p_run_id AND e.type = ANY(p_lifecycle_types) AND e.payload->>'callId' = c.call_id
         ORDER BY e.seq DESC LIMIT 1
      ) l ON true
     WHERE NOT (l.type = ANY(p_opening_types)
                OR (l.type = 'tool.call.resolved' AND l.payload->>'resolution' = 'retry'))
     LIMIT 1;
    IF v_detail IS NOT NULL THEN
      RETURN QUERY SELECT 'call-ended'::text, v_status, v_last_seq, v_detail, NULL::json;
      RETURN;
    END IF;
  END IF;

  -- What others appended since the caller's state, so it need not read them back (at most 200).
  IF p_seen_seq IS NOT NULL AND v_last_seq - p_seen_seq BETWEEN 0 AND 200 THEN
    SELECT COALESCE(json_agg(json_build_object(
             'seq', e.seq, 'type', e.type, 'version', e.version,
             'at', to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
             'agent_id', e.agent_id, 'trace_id', e.trace_id, 'span_id', e.span_id,
             'parent_span_id', e.parent_span_id, 'payload', e.payload) ORDER BY e.seq), '[]'::json)
      INTO v_missed
      FROM events e WHERE e.run_id = p_run_id AND e.seq > p_seen_seq AND e.seq <= v_last_seq;
  END IF;

  INSERT INTO events (run_id, seq, type, version, at, agent_id, trace_id, span_id, parent_span_id, payload)
  SELECT p_run_id, v_last_seq + e.seq, e.type, e.version, e.at, e.agent_id, e.trace_id, e.span_id, e.parent_span_id, e.payload
    FROM json_to_recordset(p_events) AS e(seq int, type text, version int, at timestamptz, agent_id uuid,
                                          trace_id text, span_id text, parent_span_id text, payload jsonb);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  UPDATE agents a SET last_seq = v_last_seq + v.seq
    FROM unnest(p_agent_ids, p_agent_seqs) AS v(id, seq)
   WHERE a.id = v.id AND a.run_id = p_run_id;
  UPDATE runs r SET
     status = CASE WHEN v_ended THEN r.status ELSE COALESCE(p_status, r.status) END,
     ended_at = CASE WHEN v_ended THEN r.ended_at ELSE COALESCE(p_ended_at, r.ended_at) END,
     last_seq = v_last_seq + v_count,
     turns = r.turns + p_turns,
     input_tokens = r.input_tokens + p_input_tokens,
     output_tokens = r.output_tokens + p_output_tokens,
     cost_micro_usd = r.cost_micro_usd + p_cost_micro_usd,
     agent_count = r.agent_count + p_spawned,
     open_breakers = CASE WHEN cardinality(p_opened_breakers) + cardinality(p_closed_breakers) = 0 THEN r.open_breakers
       ELSE ARRAY(
         SELECT DISTINCT k FROM unnest(COALESCE(r.open_breakers, '{}') || p_opened_breakers) AS k
          WHERE NOT (k = ANY(p_closed_breakers)) ORDER BY k)
       END
   WHERE r.id = p_run_id;
  RETURN QUERY SELECT 'appended'::text, v_status, v_last_seq, NULL::text, v_missed;
END;
$$;
