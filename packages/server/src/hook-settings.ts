import type { HookName } from '@ccx-hook/hook-client';

/** What a pre- hook answers when the integrator cannot be asked (DESIGN §4). */
export type FailurePolicy = 'fail-closed' | 'fail-open';

/** Whether a pre- hook's answer decides (`enforce`) or is only watched (`shadow`, DESIGN §4a). */
export type HookMode = 'enforce' | 'shadow';

/** How one hook is called. */
export interface HookSettings {
  /** Where to POST the hook; undefined disables it. */
  url?: string;
  /** Only for pre-create-cluster and pre-add-node; the others never block. */
  failurePolicy: FailurePolicy;
  /** Only for pre-create-cluster and pre-add-node. Default `enforce`. */
  mode?: HookMode;
  /** Time limit of one attempt, in ms. */
  timeoutMs: number;
}

/** How pre- hooks decide. */
export interface PreHookPolicy {
  /** Total time for a pre- hook's attempts, in ms (cut to the caller's deadline). */
  budgetMs: number;
  /** Attempts of one pre- hook in all, at most. */
  attempts: number;
  /** Kept free before the caller's gRPC deadline, in ms. */
  deadlineMarginMs: number;
  /** The `reason` of a fail-closed rejection. */
  rejectionMessage: string;
}

/** Every hook's settings. */
export type HooksSettings = Readonly<Record<HookName, HookSettings>>;
