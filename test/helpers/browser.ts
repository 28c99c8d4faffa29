/**
 * Headless Chromium driven by playwright-core (which downloads no browser).
 * The browser is @sparticuz/chromium's, shipped inside its npm package and
 * unpacked on first use (to the system's temp folder, about 20 s once), so
 * `npm test` needs nothing installed by hand; BNVIZ_CHROMIUM picks another
 * (Debian's /usr/bin/chromium, say). A browser that cannot start is a
 * failure that says what to do, never a skipped test.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from './paths.js';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The Chromium executable: BNVIZ_CHROMIUM, else the one @sparticuz/chromium unpacks. */
export async function chromiumPath(): Promise<string> {
  const chosen = process.env.BNVIZ_CHROMIUM;
  if (chosen) {
    if (!existsSync(chosen)) throw new Error(`BNVIZ_CHROMIUM=${chosen}: no such file; unset it to use the Chromium that npm installed (@sparticuz/chromium)`);
    return chosen;
  }
  const { default: packaged } = await import('@sparticuz/chromium');
  return packaged.executablePath();
}

/** A browser with a fresh profile; close the context to end it. */
export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  const executablePath = await chromiumPath();
  return chromium.launchPersistentContext(tempDir('bnviz-chromium-'), { executablePath, headless: true, args: CHROMIUM_ARGS, viewport });
}

/**
 * A page of a fresh browser (closed in teardown) with a long default wait,
 * and `problems`: every script error and every answer of 400 or more it met.
 */
export async function watchedPage(t: { teardown(fn: () => Promise<void>): void }): Promise<{ page: Page; problems: string[] }> {
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  page.setDefaultTimeout(120_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
  return { page, problems };
}
