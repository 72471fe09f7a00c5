// Drives the staff workbench (工作台, /staff/) in headless Chromium against a running `registry serve`, as new users
// would: each person signs in with their own password in their own browser context, and one item goes from the draft
// form through review to publication, then an adjustment (变更) and a retirement (取消) of it.
// Usage: node workbench.mjs CONFIG_JSON
//   CONFIG_JSON: {"url", "backend", "chromium", "screenshots", "staff": {name: {"unit", "password"}},
//                 "desks": {drafter, preliminary, legality, approver, publisher, dual: name}, "ownItem",
//                 "otherUnitItem", "catalogs": {"faulty", "fixed", "errors", "warnings", "names"},
//                 "cli": {"bin", "db", "cwd"}}
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

let shot = 0;
let current = null; // the page the running check looks at (for its screenshot when it fails)

async function shoot(page, name) {
  shot += 1;
  const file = path.join(config.screenshots, `${config.backend}-${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  screenshots.push(file);
}

const failedChecks = new Set();

/** Run one named check; a check that needs an earlier one's outcome is skipped (failed, saying so) when it failed. */
async function check(name, body, needs = []) {
  const missing = needs.filter((need) => failedChecks.has(need) || !checks[need]);
  if (missing.length) {
    failedChecks.add(name);
    checks[name] = { ok: false, detail: `not run: it needs ${missing.join(', ')}, which failed` };
    return;
  }
  try {
    const detail = await body();
    checks[name] = { ok: true, detail: detail ?? '' };
  } catch (error) {
    failedChecks.add(name);
    checks[name] = { ok: false, detail: error instanceof Failed ? error.message : String(error.stack || error) };
    if (current) await shoot(current, `failed-${name}`).catch(() => {});
  }
}

const cutOff = new WeakSet(); // requests whose answer the test itself threw away (a lost answer)
let cutOffs = 0;

function watch(target) {
  target.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (/status of (401|429)/.test(message.text())) return; // the refused sign-ins, also listed as responses below
    if (cutOffs && /ERR_CONNECTION_RESET/.test(message.text())) return; // the answers cut off on purpose
    problems.push(`console error on ${target.url()}: ${message.text()}`);
  });
  target.on('pageerror', (error) => problems.push(`page error on ${target.url()}: ${error.message}`));
  target.on('requestfailed', (request) => {
    if (cutOff.has(request)) return;
    // The portal's live stream never ends by itself: leaving the page aborts it, as it should.
    if (new URL(request.url()).pathname === '/changes/stream' && request.failure()?.errorText === 'net::ERR_ABORTED') {
      return;
    }
    problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`);
  });
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

/** Run the registry's CLI on the served database (someone acting behind the page's back, or a look at the log). */
function cli(...args) {
  return execFileSync(config.cli.bin, ['--db', config.cli.db, ...args], { cwd: config.cli.cwd, encoding: 'utf8' });
}

const listed = () => JSON.parse(cli('list', '--json', '--limit', '0'));

const mutations = []; // every staff mutation any page sent: {headers, body}
const browser = await chromium.launch({ executablePath: config.chromium, headless: true });

/** A person with their own browser context and page, not yet signed in. */
async function person(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  watch(page);
  page.on('request', (request) => {
    if (request.url().endsWith('/staff/graphql') && (request.postData() ?? '').includes('"mutation ')) {
      mutations.push({ headers: request.headers(), body: JSON.parse(request.postData()) });
    }
  });
  return { name, password: config.staff[name]?.password, context, page };
}

const drawn = (page) => page.evaluate(() => document.documentElement.dataset.drawn ?? '');

/** Do `action`, then wait until the workbench has drawn a view again (html[data-drawn] changed). */
async function redrawn(page, action) {
  const before = await drawn(page);
  await action();
  await page.waitForFunction((old) => (document.documentElement.dataset.drawn ?? '') !== old, before, {
    timeout: TIMEOUT,
  });
}

/** Load the workbench at `hash` afresh (a new document, so that data-ready waits for this draw). */
async function open(who, hash = '#/', view = null) {
  current = who.page;
  await who.page.goto('about:blank');
  const response = await who.page.goto(`${base}/staff/${hash}`);
  await who.page.waitForSelector('html[data-ready="true"]', { timeout: TIMEOUT });
  const shown = await who.page.getAttribute('html', 'data-view');
  if (shown === 'sign-in' && view && view !== 'sign-in') {
    // Not signed in yet in this context: sign in with their own password; the workbench then draws the address.
    await redrawn(who.page, () => signInWith(who.page, who.name, who.password));
  }
  if (view) await who.page.waitForSelector(`html[data-view="${view}"]`, { timeout: TIMEOUT });
  return response;
}

async function signInWith(page, name, password) {
  await page.getByLabel('姓名').fill(name);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

/** Sign `who` in with their own password: the queue is drawn. */
async function signIn(who) {
  await open(who, '#/', 'sign-in');
  await redrawn(who.page, () => signInWith(who.page, who.name, who.password));
  await who.page.waitForSelector('html[data-view="queue"]', { timeout: TIMEOUT });
}

async function alertText(page) {
  const alert = page.locator('#sign-in [role="alert"]');
  await alert.waitFor({ state: 'visible', timeout: TIMEOUT });
  return (await alert.textContent()) ?? '';
}

/** The item's history as the staff API gives it to whoever `page` is signed in as. */
async function historyOf(page, id, fields = 'action reason recordedAt') {
  return page.evaluate(
    async ([itemId, selection]) => {
      const csrf = JSON.parse(sessionStorage.getItem('registry.staff.csrf'));
      const response = await fetch('/staff/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', [csrf.header]: csrf.token },
        body: JSON.stringify({
          query: `query($id: ItemId!) { history(id: $id) { ${selection} } }`,
          variables: { id: itemId },
        }),
      });
      return (await response.json()).data.history;
    },
    [id, fields],
  );
}

const text = async (locator) => ((await locator.count()) ? ((await locator.first().textContent()) ?? '') : '');

async function flashText(page) {
  const flash = page.locator('#flash');
  await flash.waitFor({ timeout: TIMEOUT });
  return (await flash.textContent()) ?? '';
}

async function deskAlert(page) {
  const alert = page.locator('#desk [role="alert"]');
  await alert.waitFor({ state: 'visible', timeout: TIMEOUT });
  return (await alert.textContent()) ?? '';
}

async function lastStep(page) {
  const step = page.locator('#timeline > li').last();
  return { action: await step.getAttribute('data-action'), text: (await step.textContent()) ?? '' };
}

const deskButton = (page, act) => page.locator(`#desk [data-act="${act}"]`);
const ownerButton = (page, act) => page.locator(`#owner-desk [data-act="${act}"]`);

/** Click a desk's button and wait for the item to be drawn again; the notice (#flash) it shows. */
async function act(page, locator) {
  await redrawn(page, () => locator.click());
  return flashText(page);
}

/** The public page (/) of the item, in a context nobody signed in to: its heading and its text. */
async function publicItem(who, id) {
  current = who.page;
  await who.page.goto('about:blank');
  await who.page.goto(`${base}/#/item/${encodeURIComponent(id)}`);
  await who.page.waitForSelector('html[data-ready="true"]', { timeout: TIMEOUT });
  const heading = who.page.locator('#main h1');
  await heading.first().waitFor({ timeout: TIMEOUT });
  return { heading: await text(heading), body: (await who.page.textContent('#main')) ?? '' };
}

/** The form's check panel, once it has checked: wait until `holds(problems as [{rule, text}])`; those problems. */
async function panelWhen(page, holds, what) {
  const read = () =>
    page.$$eval('#form-check[data-problems] li, #form-check[data-problems]', (nodes) =>
      nodes.filter((node) => node.tagName === 'LI').map((li) => ({ rule: li.dataset.rule, text: li.textContent })),
    );
  const deadline = Date.now() + TIMEOUT;
  let found = [];
  while (Date.now() < deadline) {
    const checked = (await page.locator('#form-check[data-problems]').count()) > 0;
    found = await read();
    if (checked && holds(found)) return found;
    await page.waitForTimeout(100);
  }
  const now = found.map((p) => `[${p.rule}] ${p.text}`).join(' | ');
  throw new Failed(`the check panel never showed ${what}; it shows: ${now || 'no problem'}`);
}

const itemIdOf = (page) => decodeURIComponent(new URL(page.url()).hash.split('/')[2] ?? '');

const desks = config.desks;
const reviewText = '公开时限请写明具体的工作日数';
const elements = {
  domain: '财政预决算',
  category: '财政预决算',
  name: '政府预算',
  subname: '一般公共预算',
  content: '一般公共预算、政府性基金预算、国有资本经营预算、社会保险基金预算及其说明',
  basis: '《中华人民共和国预算法》第十四条；《中华人民共和国政府信息公开条例》第二十条',
  timeLimit: '信息形成或者变更之日起20个工作日内',
  revisedTimeLimit: '经本级人民代表大会批准后20个工作日内',
  adjustedTimeLimit: '经本级人民代表大会批准后15个工作日内',
  body: '旗财政局',
  otherChannels: '财政局公开栏',
  audienceNote: '人大代表、政协委员',
};
const reference = '2026年第12次政府常务会议';

try {
  const drafter = await person(desks.drafter);
  const preliminary = await person(desks.preliminary);
  const legality = await person(desks.legality);
  const approver = await person(desks.approver);
  const publisher = await person(desks.publisher);
  const dual = await person(desks.dual);
  const onlooker = await person('公众'); // the public page, never signed in
  let id = null;

  await check('sign_in_form', async () => {
    const response = await open(drafter);
    const page = drafter.page;
    const policy = response.headers()['content-security-policy'] ?? '';
    expect(policy.includes("default-src 'self'"), `/staff/ has the policy: ${policy}`);
    expect(await page.getByRole('heading', { level: 1, name: '工作台登录' }).isVisible(), 'the sign-in heading');
    expect(await page.getByLabel('姓名').isVisible(), 'a labelled name field');
    expect((await page.getByLabel('密码').getAttribute('type')) === 'password', 'a labelled password field');
    const unlabelled = await page.$$eval('input, select, textarea', (controls) =>
      controls.filter((control) => !control.labels?.length).map((control) => control.outerHTML),
    );
    expect(unlabelled.length === 0, `controls without a label: ${unlabelled.join(' ')}`);
    await shoot(page, 'sign-in');
  });

  await check('wrong_password', async () => {
    await open(preliminary, '#/', 'sign-in');
    await signInWith(preliminary.page, preliminary.name, `${preliminary.password}-wrong`);
    const said = await alertText(preliminary.page);
    expect(said.includes('姓名或密码错误'), `the error says so in Chinese: ${said}`);
    expect(await preliminary.page.getByRole('heading', { name: '工作台登录' }).isVisible(), 'still the sign-in form');
    await shoot(preliminary.page, 'wrong-password');
  });

  await check('draft_form_check', async () => {
    await signIn(drafter);
    const page = drafter.page;
    await redrawn(page, () => page.locator('#staff-nav a[data-nav="draft"]').click());
    await page.waitForSelector('html[data-view="form-draft"]', { timeout: TIMEOUT });
    const form = page.locator('#item-form');
    await panelWhen(page, (found) => found.some((p) => p.rule === '目录领域'), 'that a 领域 is to be chosen');
    await form.locator('select[name="domain"]').selectOption(elements.domain);
    for (const name of ['category', 'name', 'subname', 'content', 'basis', 'body', 'otherChannels']) {
      await form.locator(`[name="${name}"]`).fill(elements[name]);
    }
    const channels = form.locator('input[name="channels"]');
    expect((await channels.count()) >= 2, `the standard channels as checkboxes: ${await channels.count()}`);
    await channels.nth(1).check();
    await form.locator('input[name="audience"][value="SPECIFIC_GROUP"]').check();
    await form.locator('[name="audienceNote"]').fill(elements.audienceNote);
    await form.locator('input[name="method"][value="ON_REQUEST"]').check();
    await form.locator('input[name="levels"][value="TOWNSHIP"]').check();
    // Everything but 公开时限: the panel says what is missing.
    const missing = await panelWhen(page, (found) => found.length > 0 && !found.some((p) => p.rule === '目录领域'), 'a problem without 公开时限');
    expect(
      missing.some((p) => p.text.includes('公开时限') || p.rule === '公开时限'),
      `the missing 公开时限 is named: ${JSON.stringify(missing)}`,
    );
    expect((await page.getAttribute('#form-check', 'data-problems')) === String(missing.length), 'data-problems counts them');
    await shoot(page, 'draft-missing-time-limit');
    await form.locator('[name="timeLimit"]').fill(elements.timeLimit);
    await form.locator('input[name="channels"][value="政府网站"]').uncheck();
    const website = await panelWhen(page, (found) => found.some((p) => p.rule === '网站优先'), 'rule 网站优先');
    const told = website.find((p) => p.rule === '网站优先').text;
    expect(told.startsWith('不符合“网站优先”规则：'), `told with the rule's name: ${told}`);
    await shoot(page, 'draft-website-unticked');
    await form.locator('input[name="channels"][value="政府网站"]').check();
    await panelWhen(page, (found) => found.length === 0, 'no problem once complete');
    expect((await page.getAttribute('#form-check', 'data-problems')) === '0', 'data-problems="0"');
    await shoot(page, 'draft-complete');
  });

  await check(
    'draft_submitted',
    async () => {
      const page = drafter.page;
      await redrawn(page, () => page.locator('#item-form [data-act="submit"]').click());
      await page.waitForSelector('html[data-view="item"]', { timeout: TIMEOUT });
      const flash = await flashText(page);
      expect(flash.includes('已保存并提交审查'), `the notice: ${flash}`);
      id = itemIdOf(page);
      expect(id, `the item's address: ${page.url()}`);
      const facts = await text(page.locator('#item-facts'));
      expect(facts.includes('待初审') && facts.includes('财政局'), `its facts: ${facts}`);
      const history = await historyOf(page, id);
      expect(history.map((step) => step.action).join() === 'draft,submit', `drafted and submitted: ${JSON.stringify(history)}`);
      const shown = await text(page.locator('#comparison'));
      for (const part of [elements.content, elements.otherChannels, elements.audienceNote, elements.timeLimit]) {
        expect(shown.includes(part), `the item shows ${part}: ${shown}`);
      }
      await shoot(page, 'draft-submitted');
      return id;
    },
    ['draft_form_check'],
  );

  await check(
    'queue',
    async () => {
      await signIn(preliminary);
      const page = preliminary.page;
      await page.getByRole('heading', { level: 1, name: '我的待办' }).waitFor({ timeout: TIMEOUT });
      const row = page.locator(`tr[data-item-id="${id}"]`);
      expect((await row.count()) === 1, `${id} waits in 我的待办`);
      const said = (await row.textContent()) ?? '';
      expect(said.includes(elements.subname) && said.includes('初审'), `its title and step: ${said}`);
      expect(said.includes('（北京时间）') && said.includes('个工作日'), `since when, in working days: ${said}`);
      const signedInAs = (await page.textContent('#signed-in-as')) ?? '';
      expect(signedInAs.includes(preliminary.name) && signedInAs.includes('初审人'), `who: ${signedInAs}`);
      await shoot(page, 'queue');
    },
    ['draft_submitted'],
  );

  await check(
    'item_timeline',
    async () => {
      const page = preliminary.page;
      await redrawn(page, () => page.locator(`tr[data-item-id="${id}"] a`).first().click());
      await page.getByRole('heading', { level: 1, name: elements.subname }).waitFor({ timeout: TIMEOUT });
      const shown = await text(page.locator('#comparison'));
      expect(shown.includes('公开依据') && shown.includes(elements.basis), `the elements: ${shown}`);
      const steps = page.locator('#timeline > li');
      expect((await steps.count()) === 2, `two steps (drafted, submitted): ${await steps.count()}`);
      const history = await historyOf(page, id);
      const draft = await text(page.locator('#timeline > li[data-action="draft"]'));
      for (const part of [desks.drafter, '财政局', '起草人', '工作台登录会话', beijingText(history[0].recordedAt)]) {
        expect(draft.includes(part), `the drafting step names ${part}: ${draft}`);
      }
      expect(draft.includes('公开对象：（无） → 全社会'), `the changes, in Chinese: ${draft}`);
      const submit = await text(page.locator('#timeline > li[data-action="submit"]'));
      expect(submit.includes(beijingText(history[1].recordedAt)), `the submission's time: ${submit}`);
      await shoot(page, 'item');
    },
    ['queue'],
  );

  await check(
    'reject_needs_comment',
    async () => {
      await open(preliminary, `#/item/${encodeURIComponent(id)}`, 'item');
      const page = preliminary.page;
      expect(await deskButton(page, 'pass').isVisible(), 'the 初审 desk offers 通过');
      expect(await deskButton(page, 'reject').isVisible(), 'the 初审 desk offers 退回');
      expect((await deskButton(page, 'publish').count()) === 0, 'no 公布 for a preliminary reviewer');
      const before = await historyOf(page, id);
      const sent = mutations.length;
      await deskButton(page, 'reject').click();
      const said = await deskAlert(page);
      expect(said.includes('退回须填写意见'), `the refusal says so in Chinese: ${said}`);
      expect(mutations.length === sent, `nothing sent: ${mutations.length - sent} mutation(s)`);
      const after = await historyOf(page, id);
      expect(JSON.stringify(after) === JSON.stringify(before), `the history is unchanged: ${after.length} steps`);
      await shoot(page, 'reject-needs-comment');
    },
    ['queue'],
  );

  await check(
    'reject',
    async () => {
      const page = preliminary.page;
      const version = (await historyOf(page, id)).length;
      await page.locator('#desk textarea[name="comment"]').fill(reviewText);
      const flash = await act(page, deskButton(page, 'reject'));
      expect(flash.includes('已退回') && flash.includes(reviewText), `the notice repeats the comment: ${flash}`);
      const step = await lastStep(page);
      expect(step.action === 'preliminary_rejected', `the timeline ends with the return: ${step.action}`);
      expect(step.text.includes('初审退回') && step.text.includes(reviewText), `the return and its comment: ${step.text}`);
      expect((await page.locator('#desk').count()) === 0, 'no desk once returned');
      const sent = mutations.at(-1);
      const key = sent.headers['idempotency-key'] ?? '';
      expect(/^[0-9a-f-]{36}$/.test(key), `an Idempotency-Key: ${JSON.stringify(sent.headers)}`);
      const given = sent.body.variables.input;
      expect(given.expectedVersion === version, `expectedVersion as read (${version}): ${JSON.stringify(given)}`);
      expect((await historyOf(page, id)).length === version + 1, 'one step appended');
      await redrawn(page, () => page.getByRole('link', { name: '← 返回我的待办' }).click());
      await page.waitForSelector('html[data-view="queue"]', { timeout: TIMEOUT });
      expect((await page.locator(`tr[data-item-id="${id}"]`).count()) === 0, 'the item left the queue');
      await shoot(page, 'rejected');
    },
    ['reject_needs_comment'],
  );

  await check(
    'revise_resubmit',
    async () => {
      await open(drafter, `#/item/${encodeURIComponent(id)}`, 'item');
      const page = drafter.page;
      const comments = await text(page.locator('#review-comments'));
      expect(comments.includes(reviewText) && comments.includes(desks.preliminary), `the comment, and who: ${comments}`);
      expect((await page.locator('#desk').count()) === 0, 'no review desk for the drafter');
      await redrawn(page, () => ownerButton(page, 'edit').click());
      await page.waitForSelector('html[data-view="form-revise"]', { timeout: TIMEOUT });
      const form = page.locator('#item-form');
      const was = await form.locator('[name="timeLimit"]').inputValue();
      expect(was === elements.timeLimit, `the form holds the draft as it is: ${was}`);
      await form.locator('[name="timeLimit"]').fill(elements.revisedTimeLimit);
      await panelWhen(page, (found) => found.length === 0, 'no problem');
      await shoot(page, 'revise-form');
      await redrawn(page, () => form.locator('[data-act="submit"]').click());
      await page.waitForSelector('html[data-view="item"]', { timeout: TIMEOUT });
      const flash = await flashText(page);
      expect(flash.includes('已保存并提交审查'), `the notice: ${flash}`);
      const actions = (await historyOf(page, id)).map((step) => step.action);
      expect(actions.slice(-2).join() === 'revise,submit', `revised and resubmitted: ${actions.join()}`);
      const shown = await text(page.locator('#comparison'));
      expect(shown.includes(elements.revisedTimeLimit), `the revised 公开时限: ${shown}`);
      await shoot(page, 'resubmitted');
    },
    ['reject'],
  );

  await check(
    'conflict',
    async () => {
      await open(preliminary, `#/item/${encodeURIComponent(id)}`, 'item');
      const page = preliminary.page;
      expect(await deskButton(page, 'pass').isVisible(), 'the resubmitted item is at the desk again');
      const version = (await historyOf(page, id)).length;
      // Behind the page's back: returned and resubmitted again.
      cli('--as', desks.preliminary, 'review', id, '--stage', 'preliminary', '--reject', '--comment', '请再核对公开依据');
      cli('--as', desks.drafter, 'submit', id);
      const flash = await act(page, deskButton(page, 'pass'));
      expect(flash.includes('已被他人修改') && flash.includes('重新加载'), `says it reloaded: ${flash}`);
      expect(mutations.at(-1).body.variables.input.expectedVersion === version, 'the stale version was sent');
      expect((await historyOf(page, id)).length === version + 2, 'nothing appended by the stale pass');
      expect((await page.locator('#timeline > li').count()) === version + 2, 'the page shows the item as it now is');
      expect(await deskButton(page, 'pass').isVisible(), 'and the desk again');
      await shoot(page, 'conflict');
    },
    ['revise_resubmit'],
  );

  await check(
    'pass',
    async () => {
      const page = preliminary.page;
      const version = (await historyOf(page, id)).length;
      await page.locator('#desk textarea[name="comment"]').fill('要素齐全');
      const flash = await act(page, deskButton(page, 'pass'));
      expect(flash.includes('初审已通过'), `the notice: ${flash}`);
      const step = await lastStep(page);
      expect(step.action === 'preliminary_review_passed', `the timeline ends with the pass: ${step.action}`);
      expect(step.text.includes('要素齐全') && step.text.includes(desks.preliminary), `who and why: ${step.text}`);
      expect(mutations.at(-1).body.variables.input.expectedVersion === version, 'the reloaded version was sent');
      const keys = mutations.map((sent) => sent.headers['idempotency-key']);
      expect(new Set(keys).size === keys.length, `a fresh key for each mutation: ${keys.join(' ')}`);
      expect((await page.locator('#desk').count()) === 0, 'no desk once passed');
      await shoot(page, 'passed');
    },
    ['conflict'],
  );

  await check(
    'drafter_no_buttons',
    async () => {
      await open(drafter, `#/item/${encodeURIComponent(id)}`, 'item');
      const page = drafter.page;
      expect((await page.locator('#desk').count()) === 0, 'no desk for the drafter');
      for (const name of ['通过', '退回', '公布']) {
        expect((await page.getByRole('button', { name, exact: true }).count()) === 0, `no ${name} button`);
      }
      await shoot(page, 'drafter');
    },
    ['pass'],
  );

  /** 合法性审查 passes the item in the browser. */
  async function passLegality(label) {
    await open(legality, `#/item/${encodeURIComponent(id)}`, 'item');
    const page = legality.page;
    await page.locator('#desk textarea[name="comment"]').fill('符合法律法规');
    const flash = await act(page, deskButton(page, 'pass'));
    expect(flash.includes('合法性审查已通过'), `the notice: ${flash}`);
    const step = await lastStep(page);
    expect(step.action === 'legality_review_passed', `the timeline ends with the pass: ${step.action}`);
    await shoot(page, `${label}-legality`);
  }

  /** 审议 approves the item in the browser, citing the meeting. */
  async function approve(label) {
    await open(approver, `#/item/${encodeURIComponent(id)}`, 'item');
    const page = approver.page;
    await page.locator('#desk input[name="reference"]').fill(reference);
    const flash = await act(page, deskButton(page, 'approve'));
    expect(flash.includes('已审议通过'), `the notice: ${flash}`);
    await shoot(page, `${label}-approved`);
  }

  /** 公布 publishes in the browser: the notice, and the signed checkpoint with its tree size. */
  async function publish(label) {
    await open(publisher, `#/item/${encodeURIComponent(id)}`, 'item');
    const page = publisher.page;
    expect((await deskButton(page, 'reject').count()) === 0, 'the publisher has only 公布');
    const flash = await act(page, deskButton(page, 'publish'));
    expect(/日志第 \d+ 号位置/.test(flash), `the receipt's position: ${flash}`);
    const checkpoint = await text(page.locator('#checkpoint'));
    expect(/签名检查点：树大小 \d+/.test(checkpoint), `the signed checkpoint with its tree size: ${checkpoint}`);
    const step = await lastStep(page);
    await shoot(page, `${label}-published`);
    return { flash, step };
  }

  /** 初审 passes the item in the browser; the reviewer's page first, for what it shows. */
  async function passPreliminary(label, look = async () => {}) {
    await open(preliminary, `#/item/${encodeURIComponent(id)}`, 'item');
    const page = preliminary.page;
    await look(page);
    await page.locator('#desk textarea[name="comment"]').fill('同意');
    const flash = await act(page, deskButton(page, 'pass'));
    expect(flash.includes('初审已通过'), `the notice: ${flash}`);
    await shoot(page, `${label}-preliminary`);
  }

  await check('legality', () => passLegality('add'), ['pass']);

  await check(
    'approval',
    async () => {
      await open(approver, `#/item/${encodeURIComponent(id)}`, 'item');
      const page = approver.page;
      expect(await deskButton(page, 'reject').isVisible(), '审议 may return too');
      const sent = mutations.length;
      const before = (await historyOf(page, id)).length;
      await deskButton(page, 'approve').click();
      const said = await deskAlert(page);
      expect(said.includes('会议或文件'), `a reference is required, in Chinese: ${said}`);
      expect(mutations.length === sent && (await historyOf(page, id)).length === before, 'nothing sent');
      await page.getByLabel('审议会议或文件（通过时必填）').fill(reference);
      const flash = await act(page, deskButton(page, 'approve'));
      expect(flash.includes('已审议通过'), `the notice: ${flash}`);
      const step = await lastStep(page);
      expect(step.action === 'approve' && step.text.includes(reference), `the approval and its reference: ${step.text}`);
      await shoot(page, 'approved');
    },
    ['legality'],
  );

  await check(
    'publish',
    async () => {
      const { flash, step } = await publish('add');
      expect(flash.includes('已公布'), `the notice: ${flash}`);
      expect(step.action === 'publish', `the timeline ends with the publication: ${step.action}`);
    },
    ['approval'],
  );

  await check(
    'public_published',
    async () => {
      const shown = await publicItem(onlooker, id);
      expect(shown.heading.includes(elements.name), `the public item's heading: ${shown.heading}`);
      for (const part of [elements.revisedTimeLimit, elements.basis, reference]) {
        expect(shown.body.includes(part), `the public page shows ${part}: ${shown.body}`);
      }
      await shoot(onlooker.page, 'public-published');
    },
    ['publish'],
  );

  const trigger = '法律法规修订';
  const adjustReason = '《预算法实施条例》修订，批准后公开的时限缩短为15个工作日';
  await check(
    'adjustment_proposed',
    async () => {
      await open(drafter, `#/item/${encodeURIComponent(id)}`, 'item');
      const page = drafter.page;
      await redrawn(page, () => ownerButton(page, 'adjust').click());
      await page.waitForSelector('html[data-view="form-adjust"]', { timeout: TIMEOUT });
      const form = page.locator('#item-form');
      await panelWhen(page, (found) => found.some((p) => p.rule === '动态调整'), 'that a trigger is to be chosen');
      await form.locator('select[name="trigger"]').selectOption(trigger);
      await form.locator('[name="reason"]').fill(adjustReason);
      await form.locator('[name="timeLimit"]').fill(elements.adjustedTimeLimit);
      await panelWhen(page, (found) => found.length === 0, 'no problem');
      await shoot(page, 'adjust-form');
      await redrawn(page, () => form.locator('[data-act="submit"]').click());
      await page.waitForSelector('html[data-view="item"]', { timeout: TIMEOUT });
      const flash = await flashText(page);
      expect(flash.includes('已保存并提交审查'), `the notice: ${flash}`);
      const actions = (await historyOf(page, id)).map((step) => step.action);
      expect(actions.slice(-2).join() === 'propose_adjustment,submit' || actions.at(-1) === 'submit', `proposed and submitted: ${actions.join()}`);
      await shoot(page, 'adjust-submitted');
      return actions.slice(-2).join();
    },
    ['public_published'],
  );

  await check(
    'adjustment_comparison',
    () =>
      passPreliminary('adjust', async (page) => {
        const changed = await page.$$eval('#comparison tr.changed', (rows) => rows.map((row) => row.dataset.field));
        expect(changed.join() === 'timeLimit', `only 公开时限 is marked changed: ${changed.join() || 'none'}`);
        const row = await text(page.locator('#comparison tr[data-field="timeLimit"]'));
        expect(row.includes(elements.revisedTimeLimit) && row.includes(elements.adjustedTimeLimit) && row.includes('已改动'), `old and new: ${row}`);
        const adjustment = await text(page.locator('#adjustment'));
        expect(adjustment.includes(trigger) && adjustment.includes(adjustReason), `the trigger and reason: ${adjustment}`);
        await shoot(page, 'adjust-comparison');
      }),
    ['adjustment_proposed'],
  );

  await check(
    'adjustment_pending_public',
    async () => {
      const shown = await publicItem(onlooker, id);
      expect(shown.body.includes(elements.revisedTimeLimit), `the public still sees the old 公开时限: ${shown.body}`);
      expect(!shown.body.includes(elements.adjustedTimeLimit), 'and not the pending one');
      await shoot(onlooker.page, 'adjust-pending-public');
    },
    ['adjustment_proposed'],
  );

  // The answer to an action is lost on the way back (the server did it): trying again sends the same
  // Idempotency-Key, so the server answers with the first receipt and records nothing twice.
  await check(
    'retry_after_lost_answer',
    async () => {
      await passLegality('adjust');
      await open(approver, `#/item/${encodeURIComponent(id)}`, 'item');
      const page = approver.page;
      await page.locator('#desk input[name="reference"]').fill(reference);
      const sent = mutations.length;
      const before = (await historyOf(page, id)).length;
      let lost = false;
      await page.route('**/staff/graphql', async (route) => {
        if (lost || !(route.request().postData() ?? '').includes('approveItem')) return route.fallback();
        lost = true;
        await route.fetch(); // the server carries it out ...
        cutOff.add(route.request());
        cutOffs += 1;
        await route.abort('connectionreset'); // ... and the answer never arrives
      });
      await deskButton(page, 'approve').click();
      const said = await deskAlert(page);
      expect(said.includes('未收到服务器的答复') && said.includes('不会重复办理'), `the lost answer, in Chinese: ${said}`);
      await page.unroute('**/staff/graphql');
      await shoot(page, 'lost-answer');
      const flash = await act(page, deskButton(page, 'approve'));
      expect(flash.includes('已审议通过'), `the notice after the retry: ${flash}`);
      const [first, retry] = mutations.slice(sent);
      const key = (m) => m?.headers['idempotency-key'];
      expect(mutations.length - sent === 2, `two requests: ${mutations.length - sent}`);
      expect(key(first) && key(first) === key(retry), `one key for both: ${key(first)} ${key(retry)}`);
      const steps = await historyOf(page, id);
      const approvals = steps.slice(before).filter((step) => step.action === 'approve');
      expect(steps.length === before + 1 && approvals.length === 1, `one approval recorded: ${steps.length - before}`);
    },
    ['adjustment_comparison'],
  );

  await check(
    'adjustment_published',
    async () => {
      const { flash } = await publish('adjust');
      expect(flash.includes('已公布'), `the notice: ${flash}`);
      const shown = await publicItem(onlooker, id);
      expect(shown.body.includes(elements.adjustedTimeLimit), `the public sees the new 公开时限: ${shown.body}`);
      expect(!shown.body.includes(elements.revisedTimeLimit), 'and no longer the old one');
      await shoot(onlooker.page, 'adjust-public');
    },
    ['retry_after_lost_answer'],
  );

  const retireReason = '该事项并入“部门预决算”事项统一公开';
  await check(
    'retirement_proposed',
    async () => {
      await open(drafter, `#/item/${encodeURIComponent(id)}`, 'item');
      const page = drafter.page;
      await redrawn(page, () => ownerButton(page, 'retire').click());
      await page.waitForSelector('html[data-view="form-retire"]', { timeout: TIMEOUT });
      const form = page.locator('#retire-form');
      await form.locator('select[name="trigger"]').selectOption(trigger);
      await form.locator('[name="reason"]').fill(retireReason);
      await shoot(page, 'retire-form');
      await redrawn(page, () => form.locator('[data-act="submit"]').click());
      await page.waitForSelector('html[data-view="item"]', { timeout: TIMEOUT });
      const flash = await flashText(page);
      expect(flash.includes('取消申请已提交审查'), `the notice: ${flash}`);
      await shoot(page, 'retire-submitted');
    },
    ['adjustment_published'],
  );

  await check(
    'retirement_published',
    async () => {
      await passPreliminary('retire', async (page) => {
        const adjustment = await text(page.locator('#adjustment'));
        expect(adjustment.includes(trigger) && adjustment.includes(retireReason), `the trigger and reason: ${adjustment}`);
        const comparison = await text(page.locator('#comparison'));
        expect(comparison.includes('取消申请'), `the comparison says it is a retirement: ${comparison}`);
      });
      const pending = await publicItem(onlooker, id);
      expect(!pending.heading.includes('已取消'), `still public while pending: ${pending.heading}`);
      await passLegality('retire');
      await approve('retire');
      const { flash } = await publish('retire');
      expect(flash.includes('已取消公布'), `the notice: ${flash}`);
      const shown = await publicItem(onlooker, id);
      expect(shown.heading.includes('已取消'), `the public page marks it 已取消: ${shown.heading}`);
      expect(shown.body.includes(retireReason), `and says why: ${shown.body}`);
      await shoot(onlooker.page, 'retire-public');
    },
    ['retirement_proposed'],
  );

  // A draft whose channels the CLI recorded in another order than the form's checkboxes: changing one element in
  // the form records that element alone (a re-ordering of the channels is no change).
  await check('revision_changes_only_what_changed', async () => {
    await open(drafter, `#/item/${encodeURIComponent(config.cliDraft)}/edit`, 'form-revise');
    const page = drafter.page;
    const form = page.locator('#item-form');
    await form.locator('[name="timeLimit"]').fill('信息形成或者变更之日起10个工作日内');
    await redrawn(page, () => form.locator('[data-act="save"]').click());
    await page.waitForSelector('html[data-view="item"]', { timeout: TIMEOUT });
    const steps = await historyOf(page, config.cliDraft, 'action changes { field }');
    const last = steps[steps.length - 1];
    const fields = last.changes.map((change) => change.field);
    expect(last.action === 'revise' && fields.join() === 'timeLimit', `the revision changed ${fields.join(', ')}`);
  });

  await check('review_separation', async () => {
    await signIn(dual);
    await open(dual, `#/item/${encodeURIComponent(config.ownItem)}`, 'item');
    const page = dual.page;
    expect(await deskButton(page, 'pass').isVisible(), 'a drafter who is also 初审人 is offered the 初审 desk');
    const before = (await historyOf(page, config.ownItem)).length;
    await deskButton(page, 'pass').click();
    const said = await deskAlert(page);
    expect(said.includes('不符合“审核分离”规则'), `the refusal names the rule 审核分离: ${said}`);
    expect((await historyOf(page, config.ownItem)).length === before, 'nothing recorded');
    await shoot(page, 'review-separation');
  });

  await check('sign_out', async () => {
    if (!(await dual.page.locator('#sign-out').isVisible())) await signIn(dual);
    const page = dual.page;
    const cookies = await dual.context.cookies(base);
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
    await shoot(page, 'signed-out');
  });

  await check('other_unit_not_found', async () => {
    if (!(await drafter.page.locator('#sign-out').isVisible())) await signIn(drafter);
    await open(drafter, `#/item/${encodeURIComponent(config.otherUnitItem)}`, 'item');
    const page = drafter.page;
    const said = await text(page.locator('#not-found'));
    expect(said.includes(config.otherUnitItem), `#not-found for a draft of 民政局: ${said || (await page.textContent('#main'))}`);
    expect((await page.locator('#owner-desk, #desk').count()) === 0, 'and nothing to do with it');
    await shoot(page, 'other-unit');
  });

  const catalogs = config.catalogs;
  let count = 0;
  await check('import_blocked', async () => {
    count = listed().length;
    await open(drafter, '#/import', 'import');
    const page = drafter.page;
    await page.locator('#import-form input[name="file"]').setInputFiles(catalogs.faulty);
    await page.locator('[data-act="check"]').click();
    await page.locator('#import-blocked, #import-ready, #import-error').first().waitFor({ timeout: TIMEOUT });
    const blocked = await text(page.locator('#import-blocked'));
    expect(blocked.includes('未导入任何内容'), `#import-blocked: ${blocked || (await page.textContent('#import-result'))}`);
    const rows = await page.$$eval('#import-problems tbody tr', (found) =>
      found.map((row) => ({ row: Number(row.dataset.row), column: row.dataset.column, error: row.classList.contains('error-row'), text: row.textContent })),
    );
    const listedText = rows.map((row) => `${row.row}${row.column}: ${row.text}`).join(' | ');
    for (const wanted of catalogs.errors) {
      expect(
        rows.some((row) => row.error && row.row === wanted.row && row.column === wanted.column),
        `an error at row ${wanted.row}, column ${wanted.column}: ${listedText}`,
      );
    }
    for (const wanted of catalogs.warnings) {
      expect(
        rows.some(
          (row) => !row.error && row.row === wanted.row && row.column === wanted.column && row.text.includes(wanted.label),
        ),
        `a warning at row ${wanted.row}, column ${wanted.column}, about ${wanted.label}: ${listedText}`,
      );
    }
    expect((await page.locator('[data-act="import"]').count()) === 0, 'no import button');
    expect(listed().length === count, `nothing written: ${listed().length} items, ${count} before`);
    await shoot(page, 'import-blocked');
    return listedText;
  });

  await check(
    'import_done',
    async () => {
      const page = drafter.page;
      await page.locator('#import-form input[name="file"]').setInputFiles(catalogs.fixed);
      await page.locator('[data-act="check"]').click();
      await page.locator('#import-blocked, #import-ready, #import-error').first().waitFor({ timeout: TIMEOUT });
      const ready = await text(page.locator('#import-ready'));
      expect(ready.includes(`共 ${catalogs.names.length} 行`), `#import-ready: ${ready || (await page.textContent('#import-result'))}`);
      expect(listed().length === count, 'the check wrote nothing');
      await shoot(page, 'import-ready');
      await page.locator('[data-act="import"]').click();
      await page.locator('#import-done, #import-blocked, #import-error').first().waitFor({ timeout: TIMEOUT });
      const done = await text(page.locator('#import-done'));
      expect(done.includes('已全部导入'), `#import-done: ${done || (await page.textContent('#import-result'))}`);
      const items = listed();
      expect(items.length === count + catalogs.names.length, `${catalogs.names.length} items more: ${items.length}, ${count} before`);
      for (const name of catalogs.names) {
        const item = items.find((each) => each.title === name);
        expect(item && item.status === 'draft' && item.unit === '财政局', `${name} is a draft of 财政局: ${JSON.stringify(item)}`);
      }
      await shoot(page, 'import-done');
    },
    ['import_blocked'],
  );

  // Last: the failures it adds lock out every sign-in from this address for the rest of the run.
  await check('locked_out', async () => {
    const stranger = await person(desks.preliminary);
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const response = await fetch(`${base}/staff/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ name: desks.preliminary, password: 'not-the-password' }),
      });
      if (response.status === 429) break;
    }
    await open(stranger, '#/', 'sign-in');
    await signInWith(stranger.page, stranger.name, stranger.password);
    const said = await alertText(stranger.page);
    expect(said.includes('登录失败次数过多') && said.includes('15 分钟后'), `when to try again: ${said}`);
    expect(said.includes('（北京时间）'), `the time to try again, the zone named: ${said}`);
    await shoot(stranger.page, 'locked-out');
  });
} finally {
  await browser.close();
}

console.log(JSON.stringify({ checks, problems, screenshots, seconds: (Date.now() - started) / 1000 }));
