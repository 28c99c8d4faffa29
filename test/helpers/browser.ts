/**
 * Headless Chromium from the system (Debian's `chromium` package) driven by
 * playwright-core, which downloads no browser. Missing Chromium is a failure
 * that says how to install it, never a skipped test.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext } from 'playwright-core';
import { tempDir } from './paths.js';

export const CHROMIUM = process.env.BNVIZ_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** A browser with a fresh profile; close the context to end it. */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium, as scripts/ci-apt-packages.txt lists) or set BNVIZ_CHROMIUM`);
  }
  return chromium.launchPersistentContext(tempDir('bnviz-chromium-'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport });
}
