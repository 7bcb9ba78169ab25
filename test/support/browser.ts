/**
 * A real headless Chromium for UI tests: Debian's package, driven by playwright-core
 * (these machines cannot download a browser). Screenshots go to artifacts/ui/ so a
 * failing run leaves pictures to look at.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './paths.js';

export const CHROMIUM_PATH = process.env.KUBETRAIL_CHROMIUM ?? '/usr/bin/chromium';

/** For node:test's `skip`: a reason when Chromium is not installed, false otherwise. */
export const SKIP_WITHOUT_CHROMIUM: string | false = existsSync(CHROMIUM_PATH) ? false : `no Chromium at ${CHROMIUM_PATH}: UI tests skipped (.ci/run installs Debian's chromium)`;

export const ARTIFACTS_DIR = join(REPO_ROOT, 'artifacts', 'ui');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Running as root in CI needs --no-sandbox; the rest stop Chromium from reaching for
    // the network, which this machine refuses.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}
