#!/usr/bin/env node
// A plain-JS shim, present before the build, so that npm can link the bin at install time. It
// runs the bundle that `npm run build` makes (bundle.js), not dist/index.js: it starts faster.
import { main } from '../dist/ccx-hook-service.js';

process.exit(await main(process.argv.slice(2)));
