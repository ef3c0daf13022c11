#!/usr/bin/env node
// The ccx-hook-service CLI under the name ccx-hook, for `npx ccx-hook …` in the workspace: the
// same bin (and so the same bundle) as `ccx-hook-service`.
import 'ccx-hook-service/bin';
