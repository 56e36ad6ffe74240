import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { demoScenarioFamilies, type DemoScenario } from '../../electron/main/demo/demoPractice';
import { DEMO_PASSWORDS, signInOnWeb } from '../support/signIn';
import { openWebApp } from '../support/webSession';
import { startWebPractice, type WebPractice } from '../support/webPractice';

/**
 * Accessibility beyond a spot check (issue 12, items 14-16): every screen and every wizard step,
 * as a clerk and as an administrator, scanned with axe (every rule it runs by default, any
 * impact); the focus ring measured against what surrounds it wherever Tab goes; and the screens
 * a clerk works in at 320 CSS px wide (1280 px at 400% zoom) without sideways scrolling.
 */

const FAMILIES = 60;
let practice: WebPractice;
let scenarios: Record<DemoScenario, string[]>;

const kids = (familyId: string) => practice.kids(familyId);

test.beforeAll(async () => {
  // A practice system that knows the demo practice; no mail server, so Welcome emails go to the mail-drop folder.
  practice = await startWebPractice({ families: FAMILIES, tempPrefix: 'fpp-a11y-', token: 'a11y-token' });
  await practice.connect();
  await signInOnWeb(practice.desk.url, 'demo');
  scenarios = demoScenarioFamilies(practice.db);
});
test.afterAll(async () => {
  await practice?.close();
});

/** axe over the page as it is: every rule axe runs by default, whatever the impact. */
async function axeViolations(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes
        .map((n) => n.target.join(' '))
        .slice(0, 4)
        .join(' | ')}`,
  );
}

async function waitForScreen(page: Page, heading: RegExp | string) {
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  // Loading placeholders gone: what is scanned is what the clerk reads.
  await expect(page.getByText(/^Loading…$/)).toHaveCount(0);
}

async function openFamilyByChart(page: Page, chartNumber: string) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('/');
  const search = page.getByRole('searchbox', { name: 'Search patients' });
  await search.fill(chartNumber);
  await expect(page.getByRole('listbox', { name: 'Search results' }).getByRole('option')).toHaveCount(1);
  await search.press('Enter');
}

/** Locks the station and signs in on the lock screen (Ctrl+L, then the dialog's own fields). */
async function lockAndSignIn(page: Page, username: 'demo' | 'admin', onLocked?: () => Promise<void>) {
  await page.keyboard.press('Control+l');
  const dialog = page.getByRole('dialog');
  await expect(dialog).toBeVisible();
  await onLocked?.();
  await dialog.getByLabel('Username').fill(username);
  await dialog.getByLabel('Password').fill(DEMO_PASSWORDS[username]);
  await dialog.getByLabel('Password').press('Enter');
  await expect(dialog).toHaveCount(0);
}

type Visit = (screen: string) => Promise<void>;

/**
 * Walks every screen and wizard step the signed-in person can open, calling `visit` on each once
 * it has loaded. `familyIndex` picks which demo family the wizard issues (each role its own).
 */
async function everyScreen(page: Page, role: 'clerk' | 'admin', familyIndex: number, visit: Visit) {
  const nav = page.getByRole('navigation', { name: 'Screens' });
  await nav.getByRole('button', { name: 'Check-in' }).click();
  await waitForScreen(page, 'Check-in today');
  await expect(page.getByRole('listbox', { name: 'Families checking in today' }).getByRole('option').first()).toBeVisible();
  await visit('Check-in');

  // Each walk issues a family of its own: the three-child families first, then two-child ones (the first two are used before the walks).
  const pool = [...scenarios['siblings-3'], ...scenarios['siblings-2'].slice(2)];
  const [first] = kids(pool[familyIndex]!);
  await page.keyboard.press('/');
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(first!.last_name.slice(0, 3));
  await expect(page.getByRole('listbox', { name: 'Search results' }).getByRole('option').first()).toBeVisible();
  await visit('Search');

  await openFamilyByChart(page, first!.chart_number);
  await waitForScreen(page, /family/);
  await visit('Family');

  await page.getByRole('button', { name: 'Portal PINs for this family' }).click();
  await waitForScreen(page, /^Portal PINs:/);
  await visit('Wizard: review');
  await page.getByRole('button', { name: /^Continue: plan/ }).click();
  await expect(page.getByRole('button', { name: /^Issue \d+ PINs?/ })).toBeVisible();
  await visit('Wizard: plan');
  await page.getByRole('button', { name: /^Issue \d+ PINs?/ }).click();
  await expect(page.getByRole('button', { name: /^Print packet/ })).toBeEnabled();
  await visit('Wizard: issued, packet');

  // A review with a name to fix (the inline form) and a child excluded at the Minor Age Limit.
  const baby = kids(scenarios['baby-girl'][familyIndex] ?? scenarios['baby-girl'][0]!).find((k) => /^Baby (Girl|Boy)$/.test(k.first_name))!;
  await openFamilyByChart(page, baby.chart_number);
  await page.getByRole('button', { name: 'Portal PINs for this family' }).click();
  await waitForScreen(page, /^Portal PINs:/);
  await visit('Wizard: review with a name to fix');

  await nav.getByRole('button', { name: 'Outbox' }).click();
  await waitForScreen(page, 'Outbox');
  await page.getByRole('tab', { name: /^Needs attention/ }).click();
  await expect(page.getByRole('list', { name: 'Items that need attention' })).toBeVisible();
  await visit('Outbox: needs attention');
  await page.getByRole('tab', { name: /^Waiting/ }).click();
  await expect(page.getByRole('tabpanel')).toBeVisible();
  await visit('Outbox: waiting');

  await page.getByRole('button', { name: 'Email: mail-drop (not sent)' }).click();
  await waitForScreen(page, 'Mail-drop folder');
  await expect(page.getByRole('region', { name: /^Text of/ })).toBeVisible();
  await visit('Mail-drop folder');

  await nav.getByRole('button', { name: 'Settings' }).click();
  await waitForScreen(page, 'Settings');
  await visit('Settings');

  if (role === 'admin') {
    await page.getByRole('button', { name: 'Clerk accounts…' }).click();
    await waitForScreen(page, /Clerk accounts/);
    await visit('Clerk accounts');

    await nav.getByRole('button', { name: 'Bulk PIN' }).click();
    await waitForScreen(page, /Bulk PIN/);
    await expect(page.getByRole('button', { name: 'Open the data-quality worklist' })).toBeVisible();
    await visit('Bulk PIN readiness');
    await page.getByRole('button', { name: 'Open the data-quality worklist' }).click();
    await waitForScreen(page, 'Data-quality worklist');
    await page.getByRole('button', { name: /^Fix / }).first().click();
    await expect(page.getByRole('button', { name: /^Save/ }).first()).toBeVisible();
    await visit('Data-quality worklist, a Fix open');
    // Esc closes the form (the focus goes back to its Fix button), Esc again goes to the row, then back to readiness.
    await page.keyboard.press('Escape');
    await expect(page.getByRole('button', { name: /^Fix / }).first()).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('list', { name: 'Rows to fix' }).getByRole('listitem').first()).toBeFocused();
    await page.keyboard.press('Escape');
    await waitForScreen(page, /Bulk PIN/);
    await page.getByRole('button', { name: 'Import practice data from CSV files' }).click();
    await waitForScreen(page, /Import/);
    await visit('Import');

    await nav.getByRole('button', { name: 'Audit log', exact: true }).click();
    await waitForScreen(page, 'Audit log');
    await expect(page.getByText(/^Intact: all/)).toBeVisible();
    await visit('Audit log');
  }

  await lockAndSignIn(page, role === 'admin' ? 'admin' : 'demo', () => visit('Lock screen'));
}

/** Before the walk: one Welcome email in the mail-drop folder, and one family whose registrations the portal refused. */
test.beforeAll(async ({ browser }) => {
  const page = await browser.newPage();
  await openWebApp(page, practice.desk.url);
  const issue = async (familyId: string) => {
    await openFamilyByChart(page, kids(familyId)[0]!.chart_number);
    await page.getByRole('button', { name: 'Portal PINs for this family' }).click();
    await page.getByRole('button', { name: /^Continue: plan/ }).click();
    await page.getByRole('button', { name: /^Issue \d+ PINs?/ }).click();
    await expect(page.getByRole('button', { name: /^Print packet/ })).toBeEnabled();
  };
  await issue(scenarios['siblings-2'][0]!);
  await expect(page.getByRole('button', { name: /^0 waiting/ })).toBeVisible({ timeout: 30_000 });
  practice.portal.setFault('reject422');
  await issue(scenarios['siblings-2'][1]!);
  await expect(page.getByRole('button', { name: /^[1-9]\d* need attention/ })).toBeVisible({ timeout: 30_000 });
  practice.portal.setFault('none');
  await page.close();
});

for (const [role, familyIndex] of [
  ['clerk', 0],
  ['admin', 1],
] as const) {
  test(`axe finds nothing on any screen or wizard step, as ${role === 'admin' ? 'an administrator' : 'a clerk'}`, async ({ page }) => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await openWebApp(page, practice.desk.url);
    if (role === 'admin') await lockAndSignIn(page, 'admin');
    const found: Record<string, string[]> = {};
    const screens: string[] = [];
    await everyScreen(page, role, familyIndex, async (screen) => {
      screens.push(screen);
      await page.screenshot({ path: `test-results/screens-1366/${role}-${screen.replace(/[^A-Za-z0-9]+/g, '-')}.png` });
      const violations = await axeViolations(page);
      if (violations.length > 0) found[screen] = violations;
    });
    expect(screens.length).toBeGreaterThanOrEqual(role === 'admin' ? 17 : 12);
    expect(found).toEqual({});
    if (role === 'admin') await lockAndSignIn(page, 'demo');
  });
}

/** What the focused element shows: its ring, the colour behind the ring, and whether the fixed status bar covers it. */
interface FocusLook {
  what: string;
  outline: string;
  width: number;
  contrast: number;
  coveredPx: number;
}

/** Reads the focused element's ring in the page: WCAG contrast of the outline colour against the colour behind it. */
function focusLook(page: Page): Promise<FocusLook | null> {
  return page.evaluate(() => {
    // Runs in the page (this file is type-checked without the DOM library): the few DOM members used, loosely typed.
    type Rect = { top: number; bottom: number; height: number };
    type El = {
      tagName: string;
      id: string;
      className: unknown;
      textContent: string | null;
      parentElement: El | null;
      getAttribute(name: string): string | null;
      getBoundingClientRect(): Rect;
      contains(other: El): boolean;
    };
    type Style = Record<'backgroundColor' | 'outlineStyle' | 'outlineWidth' | 'outlineColor' | 'outlineOffset' | 'position', string>;
    const page = globalThis as unknown as {
      document: { activeElement: El | null; body: El; getElementById(id: string): El | null; querySelector(s: string): El | null };
      getComputedStyle(el: El): Style;
    };
    const { document, getComputedStyle } = page;
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const parse = (c: string) => {
      const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(c);
      return m ? { r: +m[1]!, g: +m[2]!, b: +m[3]!, a: m[4] === undefined ? 1 : +m[4] } : { r: 0, g: 0, b: 0, a: 0 };
    };
    // The colour behind: backgrounds from `from` outwards, composited until one is opaque (white page under all).
    const behind = (from: El | null) => {
      const layers: { r: number; g: number; b: number; a: number }[] = [];
      for (let node = from; node; node = node.parentElement) {
        const c = parse(getComputedStyle(node).backgroundColor);
        if (c.a > 0) layers.push(c);
        if (c.a >= 1) break;
      }
      let out = { r: 255, g: 255, b: 255 };
      for (const c of layers.reverse()) out = { r: c.r * c.a + out.r * (1 - c.a), g: c.g * c.a + out.g * (1 - c.a), b: c.b * c.a + out.b * (1 - c.a) };
      return out;
    };
    const lum = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const ch = (v: number) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b);
    };
    const style = getComputedStyle(el);
    const width = style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth);
    const ring = parse(style.outlineColor);
    // A ring drawn outside the element lies on its parent's background; one drawn inside, on its own.
    const back = behind(parseFloat(style.outlineOffset) < 0 ? el : el.parentElement);
    const [hi, lo] = [lum(ring), lum(back)].sort((a, b) => b - a) as [number, number];
    const bar = document.querySelector('.status-bar');
    const barRect = bar && getComputedStyle(bar).position === 'fixed' && !bar.contains(el) ? bar.getBoundingClientRect() : null;
    // In a listbox the focus the clerk sees is the highlighted option; a box taller than the room above the bar is judged by that row.
    const active = el.getAttribute('aria-activedescendant');
    const target = (active && document.getElementById(active)) || el;
    const rect = target.getBoundingClientRect();
    const fits = !barRect || rect.height <= barRect.top;
    const coveredPx = barRect && fits ? Math.max(0, Math.min(rect.bottom, barRect.bottom) - Math.max(rect.top, barRect.top)) : 0;
    const name = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 40) ?? '';
    return {
      what: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ')[0]}` : ''} “${name}”`,
      outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor} on rgb(${Math.round(back.r)}, ${Math.round(back.g)}, ${Math.round(back.b)})`,
      width,
      contrast: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100,
      coveredPx,
    };
  });
}

test('wherever Tab goes, the focus ring has 3:1 contrast with what is behind it and the status bar never covers the focus', async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 768 });
  await openWebApp(page, practice.desk.url);
  await lockAndSignIn(page, 'admin');
  const problems: string[] = [];
  let stops = 0;
  await everyScreen(page, 'admin', 2, async (screen) => {
    // Start from the top of the page, then Tab through (at most 60 stops a screen).
    await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { blur?(): void } | null } }).document.activeElement?.blur?.());
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const look = await focusLook(page);
      if (!look) continue;
      if (seen.has(look.what)) break;
      seen.add(look.what);
      stops += 1;
      if (look.width < 2) problems.push(`${screen}: ${look.what} has no focus ring (${look.outline})`);
      else if (look.contrast < 3) problems.push(`${screen}: ${look.what} ring contrast ${look.contrast}:1 (${look.outline})`);
      if (look.coveredPx > 0) problems.push(`${screen}: ${look.what} is ${look.coveredPx}px under the status bar`);
    }
  });
  expect(stops).toBeGreaterThan(150);
  expect(problems).toEqual([]);
  await lockAndSignIn(page, 'demo');
});

for (const [width, height, zoom] of [
  [320, 640, '400%'],
  [683, 384, '200%'],
] as const) {
  test(`at ${width} CSS px wide (1366 px at ${zoom} zoom) every screen reflows without sideways scrolling`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    await openWebApp(page, practice.desk.url);
    await lockAndSignIn(page, 'admin');
    const wide: string[] = [];
    const screens: string[] = [];
    await everyScreen(page, 'admin', width === 320 ? 3 : 4, async (screen) => {
      screens.push(screen);
      const { scrollWidth, clientWidth } = await page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth };
      });
      if (scrollWidth > clientWidth) wide.push(`${screen}: ${scrollWidth}px wide in a ${clientWidth}px window`);
      await page.screenshot({ path: `test-results/reflow-${width}/${screen.replace(/[^A-Za-z0-9]+/g, '-')}.png`, fullPage: true });
    });
    expect(screens).toEqual(expect.arrayContaining(['Check-in', 'Search', 'Wizard: review', 'Wizard: plan', 'Wizard: issued, packet', 'Settings']));
    expect(wide).toEqual([]);
    // The menu is usable: every screen's button is on screen, not cut off.
    const nav = page.getByRole('navigation', { name: 'Screens' });
    for (const button of await nav.getByRole('button').all()) {
      const box = (await button.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(width);
    }
    await lockAndSignIn(page, 'demo');
  });
}
