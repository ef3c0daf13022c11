import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** The browser the tests drive: `TEST_CHROMIUM`, or Debian's `chromium` package. */
export const testChromium = process.env.TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Whether a missing browser fails the run (`TEST_BROWSER_REQUIRED=1`, set by CI) instead of skipping. */
const required = process.env.TEST_BROWSER_REQUIRED === '1';

/** A headless browser with an empty profile of its own; `close()` ends it and deletes the profile. */
export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium (`--headless --no-sandbox --disable-gpu`, an empty user data dir).
 * When there is no browser: throws if it is required, else prints which suite is skipped and
 * resolves undefined.
 */
export async function launchBrowser(suite: string): Promise<Browser | undefined> {
  if (!existsSync(testChromium)) {
    const hint = `no browser at ${testChromium} (apt-get install chromium, or set TEST_CHROMIUM)`;
    if (required) throw new Error(`a browser is required (TEST_BROWSER_REQUIRED=1) but there is ${hint}`);
    process.stderr.write(`SKIPPED (${hint}): ${suite}\n`);
    return undefined;
  }
  const profile = mkdtempSync(join(tmpdir(), 'ccx-browser-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: testChromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
