import { createRequire } from 'node:module';

/** The app's version, from its package.json (through the package, so that the bundle finds it too). */
export const version: string = (createRequire(import.meta.url)('ccx-hook-service/package.json') as { version: string }).version;
