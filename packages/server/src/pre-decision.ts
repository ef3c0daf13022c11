import type { PreReply } from '@ccx-hook/mapping';
import type { DecidedBy } from '@ccx-hook/proto';

/**
 * A pre- hook's answer: the integrator's reply (or the policy's) and who decided. It carries
 * the fields of every pre- response; each RPC's response encodes only its own.
 */
export interface PreDecision extends PreReply {
  decidedBy: DecidedBy;
  /** In shadow mode, what the integrator said (the caller is approved whatever it was). */
  shadow?: 'approved' | 'rejected' | 'failed';
}

/** An answer with nothing but `approved`, an optional `reason`, and who decided. */
export function bareDecision(approved: boolean, decidedBy: DecidedBy, reason = ''): PreDecision {
  return { approved, workId: '', userId: '', projectId: '', organisationId: '', reason, decidedBy };
}
