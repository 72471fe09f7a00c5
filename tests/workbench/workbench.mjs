// Drives the staff workbench (工作台, /staff/) in headless Chromium against a running `registry serve`.
// Usage: node workbench.mjs CONFIG_JSON
//   CONFIG_JSON: {"url", "chromium", "screenshots", "reviewer": {"name", "password", "unit"},
//                 "item": {"id", "title", "drafter", "drafterUnit"}}
// Prints one JSON object: {"checks": {name: {"ok", "detail"}}, "problems": [...], "screenshots": [...], "seconds"}.
// playwright-core comes from tests/portal's `npm ci` (an ES module ignores NODE_PATH: imported by its path).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from '../portal/node_modules/playwright-core/index.mjs';

const config = JSON.parse(process.argv[2]);
const base = config.url.replace(/\/$/, '');
const started = Date.now();
const checks = {};
const problems = []; // console errors, page errors, failed requests, unexpected 4xx/5xx answers
const screenshots = [];
const TIMEOUT = 15_000;
// Answers the page is meant to meet: a refused sign-in (401, 429) is what the error-message checks provoke.
const EXPECTED = [/\/staff\/login$/];

await mkdir(config.screenshots, { recursive: true });

class Failed extends Error {}

function expect(condition, message) {
  if (!condition) throw new Failed(message);
}

let page;

async function shoot(name) {
  const file = path.join(config.screenshots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  screenshots.push(file);
}

async function check(name, body) {
  try {
    const detail = await body();
    checks[name] = { ok: true, detail: detail ?? '' };
  } catch (error) {
    checks[name] = { ok: false, detail: error instanceof Failed ? error.message : String(error.stack || error) };
    await shoot(`failed-${name}`).catch(() => {});
  }
}

function watch(target) {
  target.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (/status of (401|429)/.test(message.text())) return; // the refused sign-ins, also listed as responses below
    problems.push(`console error on ${target.url()}: ${message.text()}`);
  });
  target.on('pageerror', (error) => problems.push(`page error on ${target.url()}: ${error.message}`));
  target.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`),
  );
  target.on('response', (response) => {
    const expected = [401, 429].includes(response.status()) && EXPECTED.some((re) => re.test(response.url()));
    if (response.status() >= 400 && !expected) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
}

/** A time as the page should show it: Beijing time (UTC+8 all year), the zone named. */
function beijingText(iso) {
  const shifted = new Date(new Date(iso).getTime() + 8 * 60 * 60 * 1000).toISOString();
  const [year, month, day] = shifted.slice(0, 10).split('-').map(Number);
  return `${year}年${month}月${day}日 ${shifted.slice(11, 19)}（北京时间）`;
}

async function openWorkbench() {
  const response = await page.goto(`${base}/staff/`);
  await page.waitForSelector('html[data-ready="true"]', { timeout: TIMEOUT });
  return response;
}

async function signInWith(name, password) {
  await page.getByLabel('姓名').fill(name);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

async function alertText() {
  const alert = page.locator('#sign-in [role="alert"]');
  await alert.waitFor({ state: 'visible', timeout: TIMEOUT });
  return (await alert.textContent()) ?? '';
}

const browser = await chromium.launch({ executablePath: config.chromium, headless: true });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  page = await context.newPage();
  watch(page);

  await check('sign_in_form', async () => {
    const response = await openWorkbench();
    const policy = response.headers()['content-security-policy'] ?? '';
    expect(policy.includes("default-src 'self'"), `/staff/ has the policy: ${policy}`);
    expect(await page.getByRole('heading', { level: 1, name: '工作台登录' }).isVisible(), 'the sign-in heading');
    expect(await page.getByLabel('姓名').isVisible(), 'a labelled name field');
    expect((await page.getByLabel('密码').getAttribute('type')) === 'password', 'a labelled password field');
    const unlabelled = await page.$$eval('input, select, textarea', (controls) =>
      controls.filter((control) => !control.labels?.length).map((control) => control.outerHTML),
    );
    expect(unlabelled.length === 0, `controls without a label: ${unlabelled.join(' ')}`);
    await shoot('sign-in');
  });

  await check('wrong_password', async () => {
    await signInWith(config.reviewer.name, `${config.reviewer.password}-wrong`);
    const text = await alertText();
    expect(text.includes('姓名或密码错误'), `the error says so in Chinese: ${text}`);
    expect(await page.getByRole('heading', { name: '工作台登录' }).isVisible(), 'still the sign-in form');
    await shoot('wrong-password');
  });

  await check('queue', async () => {
    await signInWith(config.reviewer.name, config.reviewer.password);
    await page.getByRole('heading', { level: 1, name: '我的待办' }).waitFor({ timeout: TIMEOUT });
    const row = page.locator(`tr[data-item-id="${config.item.id}"]`);
    expect((await row.count()) === 1, `${config.item.id} waits in 我的待办`);
    const text = (await row.textContent()) ?? '';
    expect(text.includes(config.item.title) && text.includes('初审'), `its title and step: ${text}`);
    expect(text.includes('（北京时间）') && text.includes('个工作日'), `since when, in working days: ${text}`);
    const signedInAs = (await page.textContent('#signed-in-as')) ?? '';
    expect(signedInAs.includes(config.reviewer.name) && signedInAs.includes('初审人'), `who: ${signedInAs}`);
    await shoot('queue');
  });

  await check('item_timeline', async () => {
    await page.getByRole('link', { name: config.item.title }).click();
    await page.getByRole('heading', { level: 1, name: config.item.title }).waitFor({ timeout: TIMEOUT });
    const elements = (await page.textContent('section[aria-labelledby="elements-heading"]')) ?? '';
    expect(elements.includes('公开依据') && elements.includes(config.item.basis), `the elements: ${elements}`);
    const changes = (await page.textContent('section[aria-labelledby="changes-heading"]')) ?? '';
    expect(changes.includes('公开对象：（无） → 全社会'), `the changes, in Chinese: ${changes}`);
    const steps = page.locator('#timeline > li');
    expect((await steps.count()) === 2, `two steps (drafted, submitted): ${await steps.count()}`);
    // The times the staff API gives, as the page must show them.
    const history = await page.evaluate(async (id) => {
      const csrf = JSON.parse(sessionStorage.getItem('registry.staff.csrf'));
      const response = await fetch('/staff/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', [csrf.header]: csrf.token },
        body: JSON.stringify({ query: 'query($id: ItemId!) { history(id: $id) { action recordedAt } }', variables: { id } }),
      });
      return (await response.json()).data.history;
    }, config.item.id);
    const draft = (await page.textContent('#timeline > li[data-action="draft"]')) ?? '';
    for (const part of [config.item.drafter, config.item.drafterUnit, '起草人', '命令行', beijingText(history[0].recordedAt)]) {
      expect(draft.includes(part), `the drafting step names ${part}: ${draft}`);
    }
    const submit = (await page.textContent('#timeline > li[data-action="submit"]')) ?? '';
    expect(submit.includes(beijingText(history[1].recordedAt)), `the submission's time: ${submit}`);
    await shoot('item');
  });

  await check('sign_out', async () => {
    const cookies = await context.cookies(base);
    const session = cookies.find((cookie) => cookie.name === 'registry_session');
    const csrf = await page.evaluate(() => JSON.parse(sessionStorage.getItem('registry.staff.csrf')));
    expect(session && csrf, 'a session cookie and a CSRF token before signing out');
    await page.getByRole('button', { name: '退出' }).click();
    await page.getByRole('heading', { level: 1, name: '工作台登录' }).waitFor({ timeout: TIMEOUT });
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]', { timeout: TIMEOUT });
    expect(await page.getByRole('heading', { level: 1, name: '工作台登录' }).isVisible(), 'a reload shows the form');
    // The old cookie, with its CSRF token, is worth nothing now: the server ended the session.
    const replayed = await fetch(`${base}/staff/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `registry_session=${session.value}`,
        [csrf.header]: csrf.token,
      },
      body: JSON.stringify({ query: '{ me { actorId } }' }),
    });
    expect(replayed.status === 401, `the old session after sign-out: HTTP ${replayed.status}`);
    await shoot('signed-out');
  });

  // Last: the failures it adds lock out every sign-in from this address for the rest of the run.
  await check('locked_out', async () => {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const response = await fetch(`${base}/staff/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ name: config.reviewer.name, password: 'not-the-password' }),
      });
      if (response.status === 429) break;
    }
    await openWorkbench();
    await signInWith(config.reviewer.name, config.reviewer.password);
    const text = await alertText();
    expect(text.includes('登录失败次数过多') && text.includes('15 分钟后'), `when to try again: ${text}`);
    expect(text.includes('（北京时间）'), `the time to try again, the zone named: ${text}`);
    await shoot('locked-out');
  });
} finally {
  await browser.close();
}

console.log(JSON.stringify({ checks, problems, screenshots, seconds: (Date.now() - started) / 1000 }));
