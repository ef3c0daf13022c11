#!/usr/bin/env node
// A plain-JS shim, present before the build, so that npm can link the bin at install time.
import { main } from '../dist/index.js';

process.exit(await main(process.argv.slice(2)));
