#!/usr/bin/env node
// The ccx-hook-service CLI under the name ccx-hook, for `npx ccx-hook …` in the workspace.
import { main } from 'ccx-hook-service';

process.exit(await main(process.argv.slice(2)));
