/**
 * Every statement the release with PostgreSQL schema version 3 sends in its store's work,
 * captured from its own store suite (one set of parameters each). A later schema must keep
 * all of them working, so that replicas of that release run beside the new one during a
 * rolling upgrade (expand, then contract: see `postgres-migrations.ts`).
 */
export const schema3Queries: ReadonlyArray<{ text: string; values?: unknown[] }> = [
  {
    "text": "SELECT pg_advisory_xact_lock(k) FROM\n           (SELECT DISTINCT hashtextextended(c, 0) AS k FROM unnest($1::text[]) AS c ORDER BY 1) AS s",
    "values": [
      [
        "cluster:c0",
        "cluster:c1",
        "cluster:c2",
        "cluster:c3",
        "cluster:c4",
        "cluster:c0",
        "cluster:c1",
        "cluster:c2",
        "cluster:c3",
        "cluster:c4",
        "cluster:c0",
        "cluster:c1",
        "cluster:c2",
        "cluster:c3",
        "cluster:c4",
        "cluster:c0",
        "cluster:c1",
        "cluster:c2",
        "cluster:c3",
        "cluster:c4",
        "cluster:c0",
        "cluster:c1",
        "cluster:c2",
        "cluster:c3",
        "cluster:c4",
        "cluster:c0",
        "cluster:c1",
        "cluster:c2",
        "cluster:c3",
        "cluster:c4",
        "cluster:c0",
        "cluster:c1",
        "cluster:c2",
        "cluster:c3",
        "cluster:c4",
        "cluster:c0",
        "cluster:c1",
        "cluster:c2",
        "cluster:c3",
        "cluster:c4",
        "cluster:c0",
        "cluster:c1",
        "cluster:c2",
        "cluster:c3",
        "cluster:c4",
        "cluster:c0",
        "cluster:c1",
        "cluster:c2",
        "cluster:c3",
        "cluster:c4"
      ]
    ]
  },
  {
    "text": "WITH inserted AS (\n             INSERT INTO ccx_hook_deliveries (id, hook, cluster_id, payload, idempotency_key, status)\n             SELECT id, hook, cluster_id, payload, key, 'pending'\n             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(id, hook, cluster_id, payload, key, ord)\n             ORDER BY ord\n             RETURNING id, cluster_id, seq\n           )\n           INSERT INTO ccx_hook_queue_heads (cluster_id, delivery_id, seq, ready_at)\n           SELECT DISTINCT ON (cluster_id) cluster_id, id, seq, now() FROM inserted ORDER BY cluster_id, seq\n           ON CONFLICT (cluster_id) DO NOTHING",
    "values": [
      [
        "msg_00mx97r22xWvEROIRR6AetZI",
        "msg_00mx97r22xhUspiutcSMJ-aU",
        "msg_00mx97r22xYfHNfP-JnN4rUq",
        "msg_00mx97r22xwsp8-d9KPY-CVn",
        "msg_00mx97r22xQ53EO5syte6FVW",
        "msg_00mx97r22xLsCUDK2Z8j_Thk",
        "msg_00mx97r22xIlsOAYOi61Yn1N",
        "msg_00mx97r22x0w2yzZ_jjbmPC1",
        "msg_00mx97r22xqdqprsNtyk6WXU",
        "msg_00mx97r22x9xk068Ot8wcrYS",
        "msg_00mx97r22xjWMMEiocDHr1ET",
        "msg_00mx97r22x5WtN_FRagtKpGx",
        "msg_00mx97r22xIeTR-Y9v6ieSFL",
        "msg_00mx97r22xVuqgQoIgZi4ncG",
        "msg_00mx97r22xleaDKvZul2jhqY",
        "msg_00mx97r22xiqJdCeazGGObNg",
        "msg_00mx97r22x2Sh25X3M_tfRVO",
        "msg_00mx97r22xD9jTcWeHi5q1Kj",
        "msg_00mx97r22xyyFoo2KxT5xH7x",
        "msg_00mx97r22x_6AaBLRGNZXCwL",
        "msg_00mx97r22xfVAs0UMjMvapE3",
        "msg_00mx97r22xIY6--U-pvMpLKD",
        "msg_00mx97r22xnUkHTOozSiIrsu",
        "msg_00mx97r22x8a7YHMPgpzS4WJ",
        "msg_00mx97r22xlylstgyJedL-3T",
        "msg_00mx97r22xGFSUwOnSfi-GPX",
        "msg_00mx97r22x3cdRM5mFlKKat6",
        "msg_00mx97r22xHo9AVLS8_LYIMu",
        "msg_00mx97r22xNQfliwY78XZqI9",
        "msg_00mx97r22xmzqho4zxK4YWMk",
        "msg_00mx97r22xcO11kyZvmh1HXR",
        "msg_00mx97r22x92RGFFuDSyz3Dy",
        "msg_00mx97r22xUaF23DpkaRW9Gh",
        "msg_00mx97r22xcEqjhg13MtH4SO",
        "msg_00mx97r22x5-6QZroK1DpO6u",
        "msg_00mx97r22x2gSeKs9QjHtQau",
        "msg_00mx97r22x9K5-fTM7BBgehh",
        "msg_00mx97r22x1MO_0M7RDFeKEk",
        "msg_00mx97r22xFbvYU1k_KbBH28",
        "msg_00mx97r22xj1HR0p7hbvGECc",
        "msg_00mx97r22x8JeDZXuOB2DoTY",
        "msg_00mx97r22xNXyjuEZFXVmYUJ",
        "msg_00mx97r22xko5rD7mN36oHLZ",
        "msg_00mx97r22xRbR_jWBTVuzaM4",
        "msg_00mx97r22xmghzURYrnFUrPc",
        "msg_00mx97r22x0N7j_L-pKLLTGL",
        "msg_00mx97r22xX1mcfdu6RhN0O1",
        "msg_00mx97r22xXBPonYkJ07c5lz",
        "msg_00mx97r22xAFAI0aGAXfUbnY",
        "msg_00mx97r22xXTOsvV8W-9OKGC"
      ],
      [
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node",
        "post-add-node"
      ],
      [
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
        "c0",
        "c1",
        "c2",
        "c3",
        "c4",
        "c0",
        "c1",
        "c2",
        "c3",
        "c4"
      ],
      [
        "{\"cluster_id\":\"c0\",\"n\":0}",
        "{\"cluster_id\":\"c1\",\"n\":1}",
        "{\"cluster_id\":\"c2\",\"n\":2}",
        "{\"cluster_id\":\"c3\",\"n\":3}",
        "{\"cluster_id\":\"c4\",\"n\":4}",
        "{\"cluster_id\":\"c0\",\"n\":5}",
        "{\"cluster_id\":\"c1\",\"n\":6}",
        "{\"cluster_id\":\"c2\",\"n\":7}",
        "{\"cluster_id\":\"c3\",\"n\":8}",
        "{\"cluster_id\":\"c4\",\"n\":9}",
        "{\"cluster_id\":\"c0\",\"n\":10}",
        "{\"cluster_id\":\"c1\",\"n\":11}",
        "{\"cluster_id\":\"c2\",\"n\":12}",
        "{\"cluster_id\":\"c3\",\"n\":13}",
        "{\"cluster_id\":\"c4\",\"n\":14}",
        "{\"cluster_id\":\"c0\",\"n\":15}",
        "{\"cluster_id\":\"c1\",\"n\":16}",
        "{\"cluster_id\":\"c2\",\"n\":17}",
        "{\"cluster_id\":\"c3\",\"n\":18}",
        "{\"cluster_id\":\"c4\",\"n\":19}",
        "{\"cluster_id\":\"c0\",\"n\":20}",
        "{\"cluster_id\":\"c1\",\"n\":21}",
        "{\"cluster_id\":\"c2\",\"n\":22}",
        "{\"cluster_id\":\"c3\",\"n\":23}",
        "{\"cluster_id\":\"c4\",\"n\":24}",
        "{\"cluster_id\":\"c0\",\"n\":25}",
        "{\"cluster_id\":\"c1\",\"n\":26}",
        "{\"cluster_id\":\"c2\",\"n\":27}",
        "{\"cluster_id\":\"c3\",\"n\":28}",
        "{\"cluster_id\":\"c4\",\"n\":29}",
        "{\"cluster_id\":\"c0\",\"n\":30}",
        "{\"cluster_id\":\"c1\",\"n\":31}",
        "{\"cluster_id\":\"c2\",\"n\":32}",
        "{\"cluster_id\":\"c3\",\"n\":33}",
        "{\"cluster_id\":\"c4\",\"n\":34}",
        "{\"cluster_id\":\"c0\",\"n\":35}",
        "{\"cluster_id\":\"c1\",\"n\":36}",
        "{\"cluster_id\":\"c2\",\"n\":37}",
        "{\"cluster_id\":\"c3\",\"n\":38}",
        "{\"cluster_id\":\"c4\",\"n\":39}",
        "{\"cluster_id\":\"c0\",\"n\":40}",
        "{\"cluster_id\":\"c1\",\"n\":41}",
        "{\"cluster_id\":\"c2\",\"n\":42}",
        "{\"cluster_id\":\"c3\",\"n\":43}",
        "{\"cluster_id\":\"c4\",\"n\":44}",
        "{\"cluster_id\":\"c0\",\"n\":45}",
        "{\"cluster_id\":\"c1\",\"n\":46}",
        "{\"cluster_id\":\"c2\",\"n\":47}",
        "{\"cluster_id\":\"c3\",\"n\":48}",
        "{\"cluster_id\":\"c4\",\"n\":49}"
      ],
      [
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null
      ]
    ]
  },
  {
    "text": "SELECT status, count(*) AS n FROM ccx_hook_deliveries GROUP BY status"
  },
  {
    "text": "SELECT greatest(0, extract(epoch FROM now() - created_at) * 1000)::float8 AS age FROM ccx_hook_deliveries\n       WHERE status = 'pending' ORDER BY seq LIMIT 1"
  },
  {
    "text": "WITH claimed AS (\n         UPDATE ccx_hook_queue_heads AS h SET lease_token = gen_random_uuid()::text, ready_at = now() + ($2 * interval '1 millisecond')\n         FROM (SELECT cluster_id, ready_at, seq FROM ccx_hook_queue_heads WHERE ready_at <= now()\n               ORDER BY ready_at, seq LIMIT $1 FOR UPDATE SKIP LOCKED) AS due\n         WHERE h.cluster_id = due.cluster_id\n         RETURNING h.delivery_id, h.lease_token, due.ready_at AS due_at, due.seq\n       )\n       SELECT d.*, claimed.lease_token FROM claimed JOIN ccx_hook_deliveries d ON d.id = claimed.delivery_id\n       ORDER BY claimed.due_at, claimed.seq",
    "values": [
      100,
      10000
    ]
  },
  {
    "text": "SELECT hook, idempotency_key, id FROM ccx_hook_deliveries\n           WHERE (hook, idempotency_key) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
    "values": [
      [
        "post-add-node",
        "post-add-node"
      ],
      [
        "k1",
        "k1"
      ]
    ]
  },
  {
    "text": "SELECT count(*) AS n FROM ccx_hook_deliveries ",
    "values": []
  },
  {
    "text": "SELECT pg_advisory_xact_lock(k) FROM\n     (SELECT DISTINCT hashtextextended('cluster:' || c, 0) AS k FROM unnest($1::text[]) AS c ORDER BY 1) AS s",
    "values": [
      [
        "a"
      ]
    ]
  },
  {
    "text": "SELECT cluster_id FROM ccx_hook_queue_heads WHERE cluster_id = ANY($1::text[]) ORDER BY cluster_id FOR UPDATE",
    "values": [
      [
        "a"
      ]
    ]
  },
  {
    "text": "WITH r AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::text[])\n                  AS r(id, cluster_id, token, status, delay_ms, error)),\n     held AS (\n       UPDATE ccx_hook_queue_heads h SET ready_at = now() + (r.delay_ms * interval '1 millisecond'), lease_token = NULL\n       FROM r WHERE h.cluster_id = r.cluster_id AND h.delivery_id = r.id AND h.lease_token = r.token\n       RETURNING r.*\n     )\n     UPDATE ccx_hook_deliveries d SET status = held.status, attempts = d.attempts + 1,\n       next_attempt_at = now() + (held.delay_ms * interval '1 millisecond'), last_error = held.error, updated_at = now()\n     FROM held WHERE d.id = held.id\n     RETURNING d.id",
    "values": [
      [
        "msg_00mx97r2b0DyWkxgqr6F_Y68"
      ],
      [
        "a"
      ],
      [
        "217450f5-901b-4691-aef2-6933eb6b498e"
      ],
      [
        "delivered"
      ],
      [
        0
      ],
      [
        null
      ]
    ]
  },
  {
    "text": "INSERT INTO ccx_hook_attempts (delivery_id, attempt, duration_ms, status_code, error)\n     SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[], $5::text[])",
    "values": [
      [
        "msg_00mx97r2b0DyWkxgqr6F_Y68"
      ],
      [
        1
      ],
      [
        3
      ],
      [
        200
      ],
      [
        null
      ]
    ]
  },
  {
    "text": "WITH next AS (\n         SELECT c AS cluster_id, n.id, n.seq FROM unnest($1::text[]) AS c LEFT JOIN LATERAL\n           (SELECT id, seq FROM ccx_hook_deliveries WHERE cluster_id = c AND status = 'pending' ORDER BY seq LIMIT 1) AS n ON true\n       ),\n       promoted AS (\n         UPDATE ccx_hook_queue_heads h SET delivery_id = next.id, seq = next.seq, ready_at = now(), lease_token = NULL\n         FROM next WHERE h.cluster_id = next.cluster_id AND next.id IS NOT NULL\n       )\n       DELETE FROM ccx_hook_queue_heads h USING next WHERE h.cluster_id = next.cluster_id AND next.id IS NULL",
    "values": [
      [
        "a"
      ]
    ]
  },
  {
    "text": "SELECT * FROM ccx_hook_deliveries WHERE id = $1",
    "values": [
      "msg_00mx97r2dmM1m0nUsaD6Pivn"
    ]
  },
  {
    "text": "SELECT id, cluster_id FROM ccx_hook_deliveries WHERE id = ANY($1::text[])",
    "values": [
      [
        "msg_00mx97r2dmM1m0nUsaD6Pivn"
      ]
    ]
  },
  {
    "text": "UPDATE ccx_hook_deliveries SET seq = nextval('ccx_hook_delivery_seq'), status = 'pending', attempts = 0,\n       next_attempt_at = now(), last_error = NULL, updated_at = now()\n     WHERE id = $1 AND status = 'dead'\n     RETURNING cluster_id, seq",
    "values": [
      "msg_00mx97r2dmM1m0nUsaD6Pivn"
    ]
  },
  {
    "text": "WITH due AS (\n       UPDATE ccx_hook_queue_heads h SET ready_at = now() FROM ccx_hook_deliveries d\n       WHERE d.id = $1 AND h.cluster_id = d.cluster_id AND h.delivery_id = d.id AND h.lease_token IS NULL\n       RETURNING h.delivery_id\n     )\n     UPDATE ccx_hook_deliveries SET next_attempt_at = now(), updated_at = now() WHERE id IN (SELECT delivery_id FROM due)",
    "values": [
      "msg_00mx97r2dmM1m0nUsaD6Pivn"
    ]
  },
  {
    "text": "SELECT attempt, ended_at, duration_ms, status_code, error FROM ccx_hook_attempts WHERE delivery_id = $1 ORDER BY seq",
    "values": [
      "msg_00mx97r2ge7lnq9mR2SkxgDF"
    ]
  },
  {
    "text": "WITH locked AS (SELECT cluster_id FROM ccx_hook_queue_heads WHERE cluster_id = ANY($2::text[]) ORDER BY cluster_id FOR UPDATE)\n       UPDATE ccx_hook_queue_heads SET ready_at = now() + ($4 * interval '1 millisecond')\n       WHERE cluster_id IN (SELECT cluster_id FROM locked) AND (cluster_id, delivery_id, lease_token) IN (SELECT * FROM unnest($2::text[], $1::text[], $3::text[]))\n       RETURNING delivery_id",
    "values": [
      [
        "msg_00mx97r2oaSTX0n4r9gWn9Yo"
      ],
      [
        "a"
      ],
      [
        "7cea486d-7413-4dc3-8de0-08d89d74449f"
      ],
      10000
    ]
  },
  {
    "text": "WITH locked AS (SELECT cluster_id FROM ccx_hook_queue_heads WHERE cluster_id = ANY($2::text[]) ORDER BY cluster_id FOR UPDATE)\n       UPDATE ccx_hook_queue_heads SET ready_at = now(), lease_token = NULL\n       WHERE cluster_id IN (SELECT cluster_id FROM locked) AND (cluster_id, delivery_id, lease_token) IN (SELECT * FROM unnest($2::text[], $1::text[], $3::text[]))",
    "values": [
      [
        "msg_00mx97r2x57LTCAH6JnZQuf9"
      ],
      [
        "a"
      ],
      [
        "f09cdc25-a0e3-4bd5-9cb0-310792f5ca12"
      ]
    ]
  },
  {
    "text": "INSERT INTO ccx_hook_queue_heads (cluster_id, delivery_id, seq, ready_at) VALUES ($1, $2, $3, now())\n       ON CONFLICT (cluster_id) DO NOTHING",
    "values": [
      "a",
      "msg_00mx97r30eu7yUl7rK4-Ndti",
      "64"
    ]
  },
  {
    "text": "SELECT 1 FROM ccx_hook_deliveries WHERE id = $1",
    "values": [
      "msg_unknown"
    ]
  },
  {
    "text": "SELECT count(*) AS n FROM ccx_hook_deliveries WHERE status = $1",
    "values": [
      "dead"
    ]
  },
  {
    "text": "SELECT id, cluster_id FROM ccx_hook_deliveries WHERE status = $1 AND cluster_id = $2 ORDER BY seq LIMIT $3 FOR UPDATE",
    "values": [
      "dead",
      "b",
      100
    ]
  },
  {
    "text": "SELECT id, cluster_id FROM ccx_hook_deliveries WHERE status = $1 ORDER BY seq LIMIT $2 FOR UPDATE",
    "values": [
      "dead",
      1
    ]
  },
  {
    "text": "SELECT * FROM ccx_hook_deliveries WHERE hook = $1 ORDER BY seq DESC LIMIT $2",
    "values": [
      "post-add-node",
      3
    ]
  },
  {
    "text": "SELECT * FROM ccx_hook_deliveries WHERE hook = $1 AND seq < $2::bigint ORDER BY seq DESC LIMIT $3",
    "values": [
      "post-add-node",
      "77",
      3
    ]
  },
  {
    "text": "SELECT * FROM ccx_hook_deliveries WHERE cluster_id = $1 ORDER BY seq DESC LIMIT $2",
    "values": [
      "odd",
      11
    ]
  },
  {
    "text": "SELECT count(*) AS n FROM ccx_hook_deliveries WHERE status = $1 AND cluster_id = $2",
    "values": [
      "pending",
      "even"
    ]
  },
  {
    "text": "SELECT count(*) AS n FROM ccx_hook_deliveries WHERE created_at <= now() - ($1 * interval '1 millisecond')",
    "values": [
      60000
    ]
  },
  {
    "text": "SELECT count(*) AS n FROM ccx_hook_deliveries WHERE created_at >= now() - ($1 * interval '1 millisecond')",
    "values": [
      300
    ]
  },
  {
    "text": "SELECT * FROM ccx_hook_deliveries WHERE created_at >= now() - ($1 * interval '1 millisecond') ORDER BY seq DESC LIMIT $2",
    "values": [
      300,
      11
    ]
  },
  {
    "text": "SELECT count(*) AS n FROM ccx_hook_deliveries WHERE status = $1 AND updated_at >= now() - ($2 * interval '1 millisecond')",
    "values": [
      "dead",
      60000
    ]
  },
  {
    "text": "SELECT status, (SELECT count(*) FROM (SELECT 1 FROM ccx_hook_deliveries WHERE status = s.status LIMIT $1) AS capped) AS n\n           FROM unnest(ARRAY['pending', 'delivered', 'dead']) AS s(status)",
    "values": [
      3
    ]
  },
  {
    "text": "SELECT head.*, (SELECT count(*) FROM (SELECT 1 FROM ccx_hook_deliveries behind\n                        WHERE behind.cluster_id = head.cluster_id AND behind.status = 'pending' AND behind.seq > head.seq\n                        LIMIT 10000) AS waiting) AS waiting\n       FROM ccx_hook_queue_heads h JOIN ccx_hook_deliveries head ON head.id = h.delivery_id\n       WHERE head.attempts > 0 ORDER BY head.attempts DESC, head.seq LIMIT $1",
    "values": [
      10
    ]
  },
  {
    "text": "DELETE FROM ccx_hook_deliveries WHERE id IN\n           (SELECT id FROM ccx_hook_deliveries WHERE status = 'delivered' AND updated_at < now() - ($1 * interval '1 millisecond')\n            ORDER BY seq LIMIT 1000)",
    "values": [
      60000
    ]
  },
  {
    "text": "SELECT pg_is_in_recovery() AS recovery"
  }
];
