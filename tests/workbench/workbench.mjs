// Drives the staff workbench (工作台, /staff/) in headless Chromium against a running `registry serve`.
// Usage: node workbench.mjs CONFIG_JSON
//   CONFIG_JSON: {"url", "chromium", "screenshots", "reviewer": {"name", "password", "unit"},
//                 "item": {"id", "title", "drafter", "drafterUnit"}, "staff": {name: {"unit", "password"}},
//                 "cli": {"bin", "db", "cwd"}}  (the CLI acts as the drafter between the browser's review steps)
// Prints one JSON object: {"checks": {name: {"ok", "detail"}}, "problems": [...], "screenshots": [...], "seconds"}.
// playwright-core comes from tests/portal's `npm ci` (an ES module ignores NODE_PATH: imported by its path).
import { execFileSync } from 'node:child_process';
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

/** Run the registry's CLI on the served database (as the drafter, or as someone acting behind the page's back). */
function cli(...args) {
  return execFileSync(config.cli.bin, ['--db', config.cli.db, ...args], { cwd: config.cli.cwd, encoding: 'utf8' });
}

const mutations = []; // every staff mutation the page sent: {headers, body}
const ITEM_URL = () => `${base}/staff/#/item/${encodeURIComponent(config.item.id)}`;

/** The item's history as the staff API gives it to the signed-in actor. */
async function historyOf(id) {
  return page.evaluate(async (itemId) => {
    const csrf = JSON.parse(sessionStorage.getItem('registry.staff.csrf'));
    const response = await fetch('/staff/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', [csrf.header]: csrf.token },
      body: JSON.stringify({
        query: 'query($id: ItemId!) { history(id: $id) { action reason recordedAt } }',
        variables: { id: itemId },
      }),
    });
    return (await response.json()).data.history;
  }, id);
}

/** Open the workbench and sign out whoever is signed in: the sign-in form is drawn. */
async function signedOut() {
  await openWorkbench();
  if (await page.locator('#sign-out').isVisible()) {
    await page.getByRole('button', { name: '退出' }).click();
    await page.getByRole('heading', { level: 1, name: '工作台登录' }).waitFor({ timeout: TIMEOUT });
  }
}

/** Sign out whoever is signed in, and sign in as `name`: the queue is drawn. */
async function switchTo(name, password) {
  await signedOut();
  await signInWith(name, password);
  await page.getByRole('heading', { level: 1, name: '我的待办' }).waitFor({ timeout: TIMEOUT });
}

/** Load the item's page afresh (a new document, by way of about:blank, so data-ready waits for this draw). */
async function openItem() {
  await page.goto('about:blank');
  await page.goto(ITEM_URL());
  await page.waitForSelector('html[data-ready="true"]', { timeout: TIMEOUT });
  await page.getByRole('heading', { level: 1, name: config.item.title }).waitFor({ timeout: TIMEOUT });
}

async function flashText(part) {
  const flash = page.locator('#item-flash', { hasText: part });
  await flash.waitFor({ timeout: TIMEOUT });
  return (await flash.textContent()) ?? '';
}

async function deskAlert() {
  const alert = page.locator('#desk [role="alert"]');
  await alert.waitFor({ state: 'visible', timeout: TIMEOUT });
  return (await alert.textContent()) ?? '';
}

async function lastStep() {
  const step = page.locator('#timeline > li').last();
  return { action: await step.getAttribute('data-action'), text: (await step.textContent()) ?? '' };
}

const button = (name) => page.locator('#desk').getByRole('button', { name, exact: true });

const browser = await chromium.launch({ executablePath: config.chromium, headless: true });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  page = await context.newPage();
  watch(page);
  page.on('request', (request) => {
    if (request.url().endsWith('/staff/graphql') && (request.postData() ?? '').includes('"mutation ')) {
      mutations.push({ headers: request.headers(), body: JSON.parse(request.postData()) });
    }
  });

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

  const reviewer = config.reviewer;
  const staff = config.staff;
  const id = config.item.id;

  await check('reject_needs_comment', async () => {
    await switchTo(reviewer.name, reviewer.password);
    await openItem();
    expect(await button('通过').isVisible(), 'the 初审 desk offers 通过');
    expect(await button('退回').isVisible(), 'the 初审 desk offers 退回');
    expect((await button('公布').count()) === 0, 'no 公布 for a preliminary reviewer');
    const before = await historyOf(id);
    const sent = mutations.length;
    await button('退回').click();
    const text = await deskAlert();
    expect(text.includes('退回须填写意见'), `the refusal says so in Chinese: ${text}`);
    expect(mutations.length === sent, `nothing sent: ${mutations.length - sent} mutation(s)`);
    const after = await historyOf(id);
    expect(JSON.stringify(after) === JSON.stringify(before), `the history is unchanged: ${after.length} steps`);
    await shoot('reject-needs-comment');
  });

  const why = '公开时限请写明具体的工作日数';
  await check('reject', async () => {
    await page.getByLabel('初审意见（退回时必填）').fill(why);
    await button('退回').click();
    const flash = await flashText('已退回');
    expect(flash.includes(why), `the notice repeats the comment: ${flash}`);
    const step = await lastStep();
    expect(step.action === 'preliminary_rejected', `the timeline ends with the return: ${step.action}`);
    expect(step.text.includes('初审退回') && step.text.includes(why), `the return and its comment: ${step.text}`);
    expect((await page.locator('#desk').count()) === 0, 'no desk once returned');
    const sent = mutations.at(-1);
    const key = sent.headers['idempotency-key'] ?? '';
    expect(/^[0-9a-f-]{36}$/.test(key), `an Idempotency-Key: ${JSON.stringify(sent.headers)}`);
    const given = sent.body.variables.input;
    expect(given.expectedVersion === 2, `expectedVersion as read: ${JSON.stringify(given)}`);
    expect((await historyOf(id)).length === 3, 'one step appended');
    await page.getByRole('link', { name: '← 返回我的待办' }).click();
    await page.getByRole('heading', { level: 1, name: '我的待办' }).waitFor({ timeout: TIMEOUT });
    expect((await page.locator(`tr[data-item-id="${id}"]`).count()) === 0, 'the item left the queue');
    await shoot('rejected');
  });

  await check('conflict', async () => {
    cli('--as', config.item.drafter, 'submit', id); // the drafter resubmits (stream version 4)
    await openItem();
    expect(await button('通过').isVisible(), 'the resubmitted item is at the desk again');
    // Behind the page's back: returned and resubmitted again (stream version 6).
    cli('--as', reviewer.name, 'review', id, '--stage', 'preliminary', '--reject', '--comment', '请再核对公开依据');
    cli('--as', config.item.drafter, 'submit', id);
    await button('通过').click();
    const flash = await flashText('已被他人修改');
    expect(flash.includes('重新加载'), `says it reloaded: ${flash}`);
    expect(mutations.at(-1).body.variables.input.expectedVersion === 4, 'the stale version was sent');
    expect((await historyOf(id)).length === 6, 'nothing appended by the stale pass');
    expect((await page.locator('#timeline > li').count()) === 6, 'the page shows the item as it now is');
    expect(await button('通过').isVisible(), 'and the desk again');
    await shoot('conflict');
  });

  await check('pass', async () => {
    await page.getByLabel('初审意见（退回时必填）').fill('要素齐全');
    await button('通过').click();
    await flashText('初审已通过');
    const step = await lastStep();
    expect(step.action === 'preliminary_review_passed', `the timeline ends with the pass: ${step.action}`);
    expect(step.text.includes('要素齐全') && step.text.includes(reviewer.name), `who and why: ${step.text}`);
    expect(mutations.at(-1).body.variables.input.expectedVersion === 6, 'the reloaded version was sent');
    const keys = mutations.map((sent) => sent.headers['idempotency-key']);
    expect(new Set(keys).size === keys.length, `a fresh key for each mutation: ${keys.join(' ')}`);
    expect((await page.locator('#desk').count()) === 0, 'no desk once passed');
    await shoot('passed');
  });

  await check('drafter_no_buttons', async () => {
    await switchTo(config.item.drafter, staff[config.item.drafter].password);
    await openItem();
    expect((await page.locator('#desk').count()) === 0, 'no desk for the drafter');
    for (const name of ['通过', '退回', '公布']) {
      expect((await page.getByRole('button', { name, exact: true }).count()) === 0, `no ${name} button`);
    }
    await shoot('drafter');
  });

  await check('legality', async () => {
    await switchTo('周法务', staff['周法务'].password);
    await openItem();
    await page.getByLabel('合法性审查意见（退回时必填）').fill('符合法律法规');
    await button('通过').click();
    await flashText('合法性审查已通过');
    const step = await lastStep();
    expect(step.action === 'legality_review_passed', `the timeline ends with the pass: ${step.action}`);
    await shoot('legality');
  });

  const reference = '2026年第12次政府常务会议';
  await check('approval', async () => {
    await switchTo('王审议', staff['王审议'].password);
    await openItem();
    expect(await button('退回').isVisible(), '审议 may return too');
    const sent = mutations.length;
    const before = (await historyOf(id)).length;
    await button('通过').click();
    const text = await deskAlert();
    expect(text.includes('会议或文件'), `a reference is required, in Chinese: ${text}`);
    expect(mutations.length === sent && (await historyOf(id)).length === before, 'nothing sent');
    await page.getByLabel('审议会议或文件（通过时必填）').fill(reference);
    await button('通过').click();
    await flashText('已审议通过');
    const step = await lastStep();
    expect(step.action === 'approve' && step.text.includes(reference), `the approval and its reference: ${step.text}`);
    await shoot('approved');
  });

  await check('publish', async () => {
    await switchTo('吴发布', staff['吴发布'].password);
    await openItem();
    expect((await button('退回').count()) === 0, 'the publisher has only 公布');
    await button('公布').click();
    const flash = await flashText('已公布');
    expect(/日志第 \d+ 号位置/.test(flash) && flash.includes('签名检查点'), `the receipt's position: ${flash}`);
    const step = await lastStep();
    expect(step.action === 'publish', `the timeline ends with the publication: ${step.action}`);
    await shoot('published');
    await page.goto(`${base}/`);
    await page.waitForSelector('html[data-ready="true"]', { timeout: TIMEOUT });
    await page.getByText(config.item.title).first().waitFor({ timeout: TIMEOUT });
    await shoot('public');
  });

  await signedOut(); // whoever the review checks left signed in

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
