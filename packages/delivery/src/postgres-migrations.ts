/**
 * The PostgreSQL schema as versioned steps, applied in order by `migratePostgres`; the
 * `ccx_hook_migrations` table records which have run. Never edit a step once released: add one.
 *
 * Expand, then contract (DESIGN §5b): during a rolling upgrade the previous release's replicas
 * run on the new schema, so a step never drops, renames or retypes what the previous release
 * reads or writes, and never adds a NOT NULL column without a default. Removals come one
 * release later, once no replica uses them. `postgres-store.spec.ts` runs every query of the
 * previous release (`testing/schema-3-queries.ts`, captured from its store suite) against the
 * new schema; a release that changes the schema captures its own for the next one.
 * (Step 3 predates the rule: it dropped two columns of the first release.)
 */
export const postgresMigrations: readonly string[] = [
  // ready_at is set on the oldest pending delivery of each cluster only (its queue head: when
  // it is due, or when its lease expires), so a claim reads an index of heads, not the backlog.
  `CREATE SEQUENCE ccx_hook_delivery_seq;
   CREATE TABLE ccx_hook_deliveries (
     id text PRIMARY KEY,
     seq bigint NOT NULL DEFAULT nextval('ccx_hook_delivery_seq'),
     hook text NOT NULL,
     cluster_id text NOT NULL,
     payload text NOT NULL,
     idempotency_key text,
     status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
     attempts integer NOT NULL DEFAULT 0,
     next_attempt_at timestamptz NOT NULL DEFAULT now(),
     ready_at timestamptz,
     lease_token text,
     last_error text,
     created_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE UNIQUE INDEX ccx_hook_deliveries_seq ON ccx_hook_deliveries (seq);
   CREATE UNIQUE INDEX ccx_hook_deliveries_idempotency ON ccx_hook_deliveries (hook, idempotency_key)
     WHERE idempotency_key IS NOT NULL;
   CREATE INDEX ccx_hook_deliveries_ready ON ccx_hook_deliveries (ready_at, seq) WHERE ready_at IS NOT NULL;
   CREATE INDEX ccx_hook_deliveries_cluster ON ccx_hook_deliveries (cluster_id, status, seq);
   CREATE INDEX ccx_hook_deliveries_status ON ccx_hook_deliveries (status, seq);
   CREATE TABLE ccx_hook_attempts (
     seq bigserial PRIMARY KEY,
     delivery_id text NOT NULL REFERENCES ccx_hook_deliveries (id) ON DELETE CASCADE,
     attempt integer NOT NULL,
     ended_at timestamptz NOT NULL DEFAULT now(),
     duration_ms integer NOT NULL,
     status_code integer,
     error text
   );
   CREATE INDEX ccx_hook_attempts_delivery ON ccx_hook_attempts (delivery_id, seq);`,
  // Dead deliveries by when they died, for "dead in the last 24 h". Only dead rows are in it, so
  // the hot path (enqueue, attempts) never writes to it.
  `CREATE INDEX ccx_hook_deliveries_dead_updated ON ccx_hook_deliveries (updated_at) WHERE status = 'dead';`,
  // The queue heads move to a table of their own, one row per cluster with pending deliveries.
  // A claim, a lease extension and the promotion of the next head then write a row of this
  // small table and its two indexes, not a delivery row and the seven indexes of the backlog:
  // a delivery row is written twice in all (enqueued, then delivered or dead).
  `CREATE TABLE ccx_hook_queue_heads (
     cluster_id text PRIMARY KEY,
     delivery_id text NOT NULL,
     seq bigint NOT NULL,
     ready_at timestamptz NOT NULL,
     lease_token text
   );
   CREATE INDEX ccx_hook_queue_heads_ready ON ccx_hook_queue_heads (ready_at, seq);
   INSERT INTO ccx_hook_queue_heads (cluster_id, delivery_id, seq, ready_at, lease_token)
     SELECT cluster_id, id, seq, ready_at, lease_token FROM ccx_hook_deliveries WHERE ready_at IS NOT NULL;
   DROP INDEX ccx_hook_deliveries_ready;
   ALTER TABLE ccx_hook_deliveries DROP COLUMN ready_at, DROP COLUMN lease_token;`,
  // Idempotency keys outlive the delivered rows an operator purges early (DESIGN §5b): a
  // purge moves them here, and housekeeping forgets them after delivery.retention.
  `CREATE TABLE ccx_hook_idempotency_keys (
     hook text NOT NULL,
     idempotency_key text NOT NULL,
     delivery_id text NOT NULL,
     created_at timestamptz NOT NULL,
     PRIMARY KEY (hook, idempotency_key)
   );
   CREATE INDEX ccx_hook_idempotency_keys_created ON ccx_hook_idempotency_keys (created_at);`,
  // A delivery's number in its cluster (the ccx-hook-sequence header, DESIGN §3) is its seq at
  // enqueue. An operator's retry gives a dead delivery a new seq (the back of its queue) and
  // keeps the old one here; NULL means "seq", so enqueues write nothing more. Nullable: the
  // previous release's statements keep working beside it.
  `ALTER TABLE ccx_hook_deliveries ADD COLUMN sequence bigint;`,
  // Endpoint signals (DESIGN §5a): a claim takes each hook's due heads through an index of its
  // own, so an endpoint that is gone or paused costs nothing however many heads wait for it.
  // The head's hook is set by a trigger from its delivery, also when a replica of the previous
  // release (which knows nothing of it) inserts or promotes a head during a rollout.
  // ccx_hook_endpoints holds what every replica must honour: gone (and for which URL), paused
  // until, and the next free slot of the rate limit.
  `ALTER TABLE ccx_hook_queue_heads ADD COLUMN hook text;
   UPDATE ccx_hook_queue_heads h SET hook = d.hook FROM ccx_hook_deliveries d WHERE d.id = h.delivery_id;
   CREATE FUNCTION ccx_hook_queue_head_hook() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     SELECT hook INTO NEW.hook FROM ccx_hook_deliveries WHERE id = NEW.delivery_id;
     RETURN NEW;
   END $$;
   CREATE TRIGGER ccx_hook_queue_head_hook BEFORE INSERT OR UPDATE OF delivery_id ON ccx_hook_queue_heads
     FOR EACH ROW EXECUTE FUNCTION ccx_hook_queue_head_hook();
   CREATE INDEX ccx_hook_queue_heads_hook_ready ON ccx_hook_queue_heads (hook, ready_at, seq);
   CREATE TABLE ccx_hook_endpoints (
     hook text PRIMARY KEY,
     gone_at timestamptz,
     gone_url text,
     paused_until timestamptz,
     next_slot_at timestamptz NOT NULL DEFAULT '-infinity'
   );`,
  // An enqueue group in one statement, so one round trip (docs/BENCHMARKS.md, row 3) instead of
  // four (BEGIN, the locks, the insert, COMMIT). A VOLATILE function's statements each see a
  // fresh snapshot, as in a READ COMMITTED transaction: what follows the locks sees every
  // change committed under them. `locks` are the advisory lock keys (`cluster:<id>` and
  // `key:<JSON [hook, key]>`, as the previous release takes them); the other arrays are the
  // group, one element per delivery, with a new id each. Returns, in the group's order, each
  // delivery's id (the first one's for a known idempotency key, also within the group) and
  // whether it became its cluster's queue head. A cluster with no head has nothing pending:
  // its first new delivery becomes its head, due now.
  `CREATE FUNCTION ccx_hook_enqueue(locks text[], ids text[], hooks text[], cluster_ids text[], payloads text[], keys text[])
   RETURNS TABLE (id text, due boolean) LANGUAGE plpgsql VOLATILE AS $$
   #variable_conflict use_column
   BEGIN
     PERFORM pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(c, 0) AS k FROM unnest(locks) AS c ORDER BY 1) AS s;
     RETURN QUERY
     WITH t AS (
       SELECT * FROM unnest(ids, hooks, cluster_ids, payloads, keys) WITH ORDINALITY AS t(id, hook, cluster_id, payload, key, ord)
     ),
     known AS (
       SELECT d.hook, d.idempotency_key AS key, d.id FROM ccx_hook_deliveries d
       WHERE (d.hook, d.idempotency_key) IN (SELECT t.hook, t.key FROM t WHERE t.key IS NOT NULL)
       UNION ALL
       SELECT k.hook, k.idempotency_key, k.delivery_id FROM ccx_hook_idempotency_keys k
       WHERE (k.hook, k.idempotency_key) IN (SELECT t.hook, t.key FROM t WHERE t.key IS NOT NULL)
     ),
     resolved AS (
       SELECT t.*, CASE WHEN t.key IS NULL THEN t.id ELSE coalesce(
         (SELECT known.id FROM known WHERE known.hook = t.hook AND known.key = t.key LIMIT 1),
         first_value(t.id) OVER (PARTITION BY t.hook, t.key ORDER BY t.ord)) END AS resolved_id
       FROM t
     ),
     inserted AS (
       INSERT INTO ccx_hook_deliveries (id, hook, cluster_id, payload, idempotency_key, status)
       SELECT r.id, r.hook, r.cluster_id, r.payload, r.key, 'pending' FROM resolved r WHERE r.resolved_id = r.id ORDER BY r.ord
       RETURNING ccx_hook_deliveries.id, ccx_hook_deliveries.cluster_id, ccx_hook_deliveries.seq
     ),
     heads AS (
       INSERT INTO ccx_hook_queue_heads (cluster_id, delivery_id, seq, ready_at)
       SELECT DISTINCT ON (i.cluster_id) i.cluster_id, i.id, i.seq, now() FROM inserted i
       WHERE NOT EXISTS (SELECT 1 FROM ccx_hook_queue_heads h WHERE h.cluster_id = i.cluster_id)
       ORDER BY i.cluster_id, i.seq
       ON CONFLICT (cluster_id) DO NOTHING
       RETURNING ccx_hook_queue_heads.delivery_id
     )
     SELECT r.resolved_id, r.resolved_id = r.id AND r.id IN (SELECT heads.delivery_id FROM heads) FROM resolved r ORDER BY r.ord;
   END $$;`,
  // A group of attempt records in one statement, so one round trip instead of seven (BEGIN, the
  // locks of the clusters it promotes, the locks of their heads, the outcomes, the attempts,
  // the promotions, COMMIT), and a head written once when its delivery ends (promoted or
  // removed), not twice. The arrays are the group, one element per record: the lease (delivery
  // id, cluster id, token), the outcome (status, delay in ms before a retry) and the attempt
  // (number, duration in ms, status code, error). A record applies only while its lease holds;
  // of records of the same lease, the first. Returns, in the group's order, whether each applied.
  // Locks in the previous release's order: the advisory locks of clusters, then their heads in
  // cluster order. The head is the oldest pending delivery of its cluster, so its successor is
  // the first pending one after it. Of the clusters whose head ends, only those with nothing
  // else pending are locked: removing their head races an enqueue (which makes a head for a
  // cluster without one); a head promoted to its successor does not (a new delivery queues
  // behind it), and a pending delivery other than the head stays pending until it is the head.
  // So while a backlog waits, records and enqueues of the same clusters do not wait for each
  // other's commits.
  `CREATE FUNCTION ccx_hook_record(ids text[], cluster_ids text[], tokens text[], statuses text[], delays_ms float8[],
                                   attempt_numbers integer[], durations_ms integer[], status_codes integer[], errors text[])
   RETURNS TABLE (applied boolean) LANGUAGE plpgsql VOLATILE AS $$
   #variable_conflict use_column
   BEGIN
     PERFORM pg_advisory_xact_lock(k) FROM
       (SELECT DISTINCT hashtextextended('cluster:' || u.c, 0) AS k FROM unnest(ids, cluster_ids, statuses) AS u(id, c, s)
        LEFT JOIN ccx_hook_queue_heads h ON h.cluster_id = u.c AND h.delivery_id = u.id
        WHERE u.s <> 'pending' AND NOT EXISTS (SELECT 1 FROM ccx_hook_deliveries d WHERE d.cluster_id = u.c AND d.status = 'pending' AND d.seq > h.seq)
        ORDER BY 1) AS s;
     PERFORM 1 FROM ccx_hook_queue_heads WHERE cluster_id = ANY(cluster_ids) ORDER BY cluster_id FOR UPDATE;
     RETURN QUERY
     WITH r AS (
       SELECT * FROM unnest(ids, cluster_ids, tokens, statuses, delays_ms, attempt_numbers, durations_ms, status_codes, errors)
         WITH ORDINALITY AS r(id, cluster_id, token, status, delay_ms, attempt, duration_ms, status_code, error, ord)
     ),
     held AS (
       SELECT DISTINCT ON (r.id) r.*, h.seq AS head_seq FROM r JOIN ccx_hook_queue_heads h
         ON h.cluster_id = r.cluster_id AND h.delivery_id = r.id AND h.lease_token = r.token
       ORDER BY r.id, r.ord
     ),
     retried AS (
       UPDATE ccx_hook_queue_heads h SET ready_at = now() + held.delay_ms * interval '1 millisecond', lease_token = NULL
       FROM held WHERE held.status = 'pending' AND h.cluster_id = held.cluster_id
     ),
     next AS (
       SELECT held.cluster_id, n.id, n.seq FROM held LEFT JOIN LATERAL
         (SELECT d.id, d.seq FROM ccx_hook_deliveries d WHERE d.cluster_id = held.cluster_id AND d.status = 'pending' AND d.seq > held.head_seq
          ORDER BY d.seq LIMIT 1) AS n ON true
       WHERE held.status <> 'pending'
     ),
     promoted AS (
       UPDATE ccx_hook_queue_heads h SET delivery_id = next.id, seq = next.seq, ready_at = now(), lease_token = NULL
       FROM next WHERE h.cluster_id = next.cluster_id AND next.id IS NOT NULL
     ),
     emptied AS (
       DELETE FROM ccx_hook_queue_heads h USING next WHERE h.cluster_id = next.cluster_id AND next.id IS NULL
     ),
     outcomes AS (
       UPDATE ccx_hook_deliveries d SET status = held.status, attempts = d.attempts + 1,
         next_attempt_at = now() + held.delay_ms * interval '1 millisecond', last_error = held.error, updated_at = now()
       FROM held WHERE d.id = held.id
     ),
     attempts AS (
       INSERT INTO ccx_hook_attempts (delivery_id, attempt, duration_ms, status_code, error)
       SELECT held.id, held.attempt, held.duration_ms, held.status_code, held.error FROM held ORDER BY held.ord
     )
     SELECT r.ord IN (SELECT held.ord FROM held) FROM r ORDER BY r.ord;
   END $$;`,
];
