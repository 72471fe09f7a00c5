// The workbench's views on the demo registry, at an office screen's width and a phone's: axe-core's WCAG 2 A/AA
// rules (labels, names, contrast, structure), no page wider than the screen, and the sign-in form done with the
// keyboard alone. Prints {"checks": {name: {ok, detail}}, "problems": [...]} as its last line.
import { readFileSync } from 'node:fs';
import { chromium } from '../portal/node_modules/playwright-core/index.mjs';

const config = JSON.parse(process.argv[2]);
const AXE = readFileSync(new URL('../portal/node_modules/axe-core/axe.min.js', import.meta.url), 'utf8');
const WIDTHS = { office: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } };
const checks = {};
const problems = [];

function record(name, ok, detail = '') {
  checks[name] = { ok: Boolean(ok), detail: String(detail) };
}

async function drawn(page, view) {
  await page.waitForSelector(`html[data-view="${view}"]`, { timeout: 20000 });
  await page.waitForLoadState('networkidle');
}

/** axe-core's violations of WCAG 2 A and AA on the page as it stands (evaluated over the protocol, not injected:
 * the page's policy allows no inline script). */
async function violations(page) {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } });
    const found = result.violations.map(
      (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`,
    );
    // A rule that checked nothing would pass anything: the page's labels and contrast must have been looked at.
    const looked = new Set(result.passes.map((rule) => rule.id));
    for (const rule of ['color-contrast', 'document-title', 'html-has-lang']) {
      if (!looked.has(rule) && !result.violations.some((v) => v.id === rule)) found.push(`${rule}: not checked`);
    }
    return found;
  });
}

async function widerThanScreen(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

const browser = await chromium.launch({ executablePath: config.chromium, args: ['--no-sandbox'] });
try {
  for (const [size, viewport] of Object.entries(WIDTHS)) {
    const context = await browser.newContext({ viewport, locale: 'zh-CN' });
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && problems.push(`${size}: console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`${size}: ${e.message}`));
    await page.goto(`${config.url}/staff/`);
    await drawn(page, 'sign-in');
    if (size === 'office') {
      // The keyboard alone: the name field has the focus; type, Tab to the password, Enter sends.
      await page.keyboard.type(config.reviewer.name);
      await page.keyboard.press('Tab');
      await page.keyboard.type(config.reviewer.password);
      await page.keyboard.press('Enter');
      await drawn(page, 'queue');
      const focused = await page.evaluate(() => document.activeElement?.tagName);
      record('keyboard_sign_in', focused === 'H1', `focus after sign-in on ${focused}`);
      await page.evaluate(() => sessionStorage.clear());
      await page.reload();
      await drawn(page, 'sign-in');
    }
    const views = [['sign-in', null]];
    views.push(['queue', async () => {
      await page.fill('input[name=name]', config.reviewer.name);
      await page.fill('input[name=password]', config.reviewer.password);
      await page.click('#sign-in button');
    }]);
    views.push(['item', () => page.click('.item-link >> nth=0')]);
    views.push(['items', () => page.goto(`${config.url}/staff/#/items`)]);
    const seen = {};
    for (const [view, go] of views) {
      if (go) await go();
      await drawn(page, view);
      seen[view] = { axe: await violations(page), wider: await widerThanScreen(page) };
      await page.screenshot({ path: `${config.screenshots}/a11y-${size}-${view}.png`, fullPage: true });
    }
    // A drafter's form and import page.
    await page.click('#sign-out');
    await drawn(page, 'sign-in');
    await page.fill('input[name=name]', config.drafter.name);
    await page.fill('input[name=password]', config.drafter.password);
    await page.click('#sign-in button');
    await drawn(page, 'queue');
    for (const [view, address] of [['form-draft', '#/draft'], ['import', '#/import']]) {
      await page.goto(`${config.url}/staff/${address}`);
      await drawn(page, view);
      if (view === 'form-draft') await page.waitForSelector('#form-check[data-problems]');
      seen[view] = { axe: await violations(page), wider: await widerThanScreen(page) };
      await page.screenshot({ path: `${config.screenshots}/a11y-${size}-${view}.png`, fullPage: true });
    }
    for (const [view, found] of Object.entries(seen)) {
      record(`axe_${size}_${view}`, found.axe.length === 0, found.axe.join('\n'));
      record(`fits_${size}_${view}`, found.wider <= 0, `the page is ${found.wider}px wider than the screen`);
    }
    await context.close();
  }
} catch (error) {
  problems.push(`the run stopped: ${error.stack || error}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ checks, problems }));
