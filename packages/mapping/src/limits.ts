/** Input limits of DESIGN §6; the same limits apply to requests and integrator replies. */
export const limits = {
  /** Any string field not named below. */
  string: 256,
  /** `auth_id`: a session token, possibly a JWT. */
  authId: 8192,
  /** `reason`: the integrator's explanation of a rejection. */
  reason: 1024,
  /** Entries in `node_ids`. */
  nodeIds: 1024,
  /** Largest `node_count`. */
  nodeCount: 1000,
} as const;
