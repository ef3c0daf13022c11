import { UsageError } from './errors.js';
import { type HookName, isHookName } from '@ccx-hook/hook-client';

/**
 * The hook named by a `test-client` argument: `pre-add-node`, `pre_add_node`, `PreAddNode`,
 * or a bare event (`add_node`, `create-cluster`) meaning its pre- hook. Throws `UsageError`.
 */
export function resolveHook(argument: string): HookName {
  const kebab = argument
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
  const name = kebab.startsWith('pre-') || kebab.startsWith('post-') ? kebab : `pre-${kebab}`;
  if (!isHookName(name)) {
    throw new UsageError(`unknown hook "${argument}"; expected e.g. pre-add-node, PostCreateCluster or add_node`);
  }
  return name;
}
