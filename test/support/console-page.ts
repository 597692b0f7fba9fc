import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { AdminSession } from './admin-session';
import type { TestApi } from './api';

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// A browser context signed in with the admin's session cookies, at the size of a laptop screen.
export async function signedInContext(
  browser: Browser,
  api: TestApi,
  session: AdminSession,
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 960 },
    reducedMotion: 'reduce',
    acceptDownloads: true,
  });
  const url = new URL(api.url);
  await context.addCookies(
    session.headers.cookie.split('; ').map((pair) => {
      const [name, ...rest] = pair.split('=');
      return { name, value: rest.join('='), domain: url.hostname, path: '/' };
    }),
  );
  return context;
}

export async function openScreen(page: Page, api: TestApi, route: string, heading: string) {
  await page.goto(`${api.url}${route}`);
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

interface AxeResults {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

// axe's serious and critical findings on the page as it is now.
export async function seriousViolations(page: Page) {
  await page.addScriptTag({ content: AXE });
  const results = await page.evaluate(async () => {
    const scope = globalThis as unknown as {
      axe: { run: (context: unknown, options: unknown) => Promise<AxeResults> };
      document: unknown;
    };
    // Violations in full, the other result types one node each: axe then skips collecting every
    // passing node, a third of its time on the console's screens (the same findings either way).
    return scope.axe.run(scope.document, { resultTypes: ['violations'] });
  });
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      help: violation.help,
      nodes: violation.nodes.map((node) => node.target.join(' ')).slice(0, 5),
    }));
}

// Switches the console's colour scheme and waits until its transitions have run (axe reads
// colours mid-way otherwise).
export async function useColorScheme(page: Page, scheme: 'light' | 'dark') {
  await page.emulateMedia({ colorScheme: scheme });
  await page.waitForFunction(
    `document.documentElement.dataset.mantineColorScheme === '${scheme}' && document.getAnimations().length === 0`,
  );
}
