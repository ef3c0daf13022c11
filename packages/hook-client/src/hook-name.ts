/** The eight hooks, in the order of the lifecycle (DESIGN §1). */
export const hookNames = [
  'pre-create-cluster',
  'post-create-cluster',
  'pre-add-node',
  'post-add-node',
  'pre-remove-node',
  'post-remove-node',
  'pre-delete-cluster',
  'post-delete-cluster',
] as const;

/** A hook's public name, as used in URLs and the `ccx-hook-name` header. */
export type HookName = (typeof hookNames)[number];

/** A hook called before the work; its reply is a decision. */
export type PreHookName = Extract<HookName, `pre-${string}`>;

/** The four pre- hooks, in the order of the lifecycle. */
export const preHookNames = hookNames.filter((name): name is PreHookName => isPreHook(name));

/** A hook called after the work; it is durably queued. */
export type PostHookName = Extract<HookName, `post-${string}`>;

/** Whether `name` is one of the eight hook names. */
export function isHookName(name: string): name is HookName {
  return (hookNames as readonly string[]).includes(name);
}

/** Whether the hook is a pre- hook (called before the work). */
export function isPreHook(name: HookName): name is PreHookName {
  return name.startsWith('pre-');
}

/** Whether the integrator may reject this pre- hook (create cluster, add node). */
export function canReject(name: HookName): boolean {
  return name === 'pre-create-cluster' || name === 'pre-add-node';
}
