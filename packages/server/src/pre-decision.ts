import { DecidedBy } from '@ccx-hook/proto';

/**
 * A pre- hook's answer; it carries the fields of every pre- response, and each RPC's
 * response encodes only its own.
 */
export interface PreDecision {
  approved: boolean;
  workId: string;
  userId: string;
  projectId: string;
  organisationId: string;
  reason: string;
  decidedBy: DecidedBy;
}

/** An answer with nothing but `approved` and who decided. */
export function bareDecision(approved: boolean, decidedBy: DecidedBy, reason = ''): PreDecision {
  return { approved, workId: '', userId: '', projectId: '', organisationId: '', reason, decidedBy };
}
