// Drives the reference portal page in headless Chromium against a running `registry serve`.
// Usage: node portal.mjs CONFIG_JSON
//   CONFIG_JSON: {"url", "chromium", "screenshots", "adjusted": {"itemId", "oldVersion", "newVersion",
//                 "oldContent", "newContent", "reason", "asOfDate", "asOfTime"},
//                 "live": {"itemId", "title", "command": [program, ...args], "cwd"}}
//   `live.command` publishes an approved item while the page is open (the last check: it changes the catalog).
// Prints one JSON object: {"checks": {name: {"ok", "detail"}}, "problems": [...], "screenshots": [...], "seconds"}.
// Each check runs on its own, so one failure does not hide the others; the pytest wrapper asserts on them.
import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const config = JSON.parse(process.argv[2]);
const base = config.url.replace(/\/$/, '');
const started = Date.now();
const checks = {};
const problems = []; // console errors, page errors, failed or 4xx/5xx requests
const screenshots = [];
const TIMEOUT = 15_000;

await mkdir(config.screenshots, { recursive: true });

async function graphql(query, variables = {}) {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function apiIds(filter = {}, asOf = null) {
  const ids = [];
  let after = null;
  do {
    const data = await graphql(
      `query ($filter: CatalogFilter, $asOf: DateTime, $after: CatalogCursor) {
        catalog(filter: $filter, asOf: $asOf, first: 200, after: $after) {
          pageInfo { hasNextPage endCursor } edges { node { id name } } } }`,
      { filter, asOf, after },
    );
    ids.push(...data.catalog.edges.map((edge) => edge.node));
    after = data.catalog.pageInfo.hasNextPage ? data.catalog.pageInfo.endCursor : null;
  } while (after);
  return ids;
}

/** A time as the page should show it: Beijing time (UTC+8 all year), the zone named. */
function beijingText(iso) {
  const shifted = new Date(new Date(iso).getTime() + 8 * 60 * 60 * 1000).toISOString();
  const [year, month, day] = shifted.slice(0, 10).split('-').map(Number);
  return `${year}年${month}月${day}日 ${shifted.slice(11, 19)}（北京时间）`;
}

/** The first item the feed says was retired, with its retirement as the API gives it; null if none. */
async function retiredItem() {
  let after = null;
  do {
    const { changes } = await graphql(
      `query ($after: ChangeCursor) {
        changes(first: 200, after: $after) { pageInfo { hasNextPage endCursor } edges { node { itemId kind } } } }`,
      { after },
    );
    const cancel = changes.edges.find((edge) => edge.node.kind === 'CANCEL');
    if (cancel) {
      const id = cancel.node.itemId;
      const { retirement } = await graphql(
        `query ($id: ItemId!) { retirement(id: $id) {
          retiredAt trigger reason approvalReference approvedBy lastVersion { content } } }`,
        { id },
      );
      return { id, retirement };
    }
    after = changes.pageInfo.hasNextPage ? changes.pageInfo.endCursor : null;
  } while (after);
  return null;
}

class Failed extends Error {}

function expect(condition, message) {
  if (!condition) throw new Failed(message);
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

let page;

async function shoot(name, options = {}) {
  const file = path.join(config.screenshots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, ...options });
  screenshots.push(file);
}

function watch(target) {
  target.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error on ${target.url()}: ${message.text()}`);
  });
  target.on('pageerror', (error) => problems.push(`page error on ${target.url()}: ${error.message}`));
  target.on('requestfailed', (request) => {
    // The live stream never ends by itself: leaving the page aborts it, as it should.
    if (new URL(request.url()).pathname === '/changes/stream' && request.failure()?.errorText === 'net::ERR_ABORTED') {
      return;
    }
    problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`);
  });
  target.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
}

/** Load the page afresh at a view (by its hash) and wait until the view is drawn. */
async function open(hash) {
  await page.goto('about:blank'); // so that a hash-only change is a new load, not a hashchange
  await page.goto(`${base}/${hash}`);
  await page.waitForSelector('html[data-ready="true"]', { timeout: TIMEOUT });
}

/** Run `action`, which should navigate within the page, and wait until the next view is drawn. */
async function navigating(action) {
  const before = await page.evaluate(() => Number(document.documentElement.dataset.drawn || 0));
  await action();
  await page.waitForFunction((count) => Number(document.documentElement.dataset.drawn || 0) > count, before, {
    timeout: TIMEOUT,
  });
}

async function rowIds() {
  return page.$$eval('.catalog-table tbody tr', (rows) => rows.map((row) => row.dataset.itemId));
}

async function summary() {
  return (await page.textContent('#results-summary')) ?? '';
}

function total(text) {
  const found = /共 (\d+) 项/.exec(text);
  return found ? Number(found[1]) : 0;
}

const browser = await chromium.launch({
  executablePath: config.chromium,
  headless: true,
  chromiumSandbox: false,
  args: ['--lang=zh-CN', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  context.setDefaultTimeout(TIMEOUT);
  page = await context.newPage();
  watch(page);
  const everything = await apiIds();

  await check('loads', async () => {
    await open('');
    const title = await page.title();
    expect(title.includes('政务公开专区'), `title is ${title}`);
    const shown = total(await summary());
    expect(shown === everything.length, `the page says ${shown} items, the API has ${everything.length}`);
    expect((await rowIds()).length === Math.min(everything.length, 20), 'the first page is not full');
    await shoot('catalog');
    return `${shown} items listed`;
  });

  await check('labelled_controls', async () => {
    const unlabelled = [];
    for (const hash of ['', '#/village']) {
      await open(hash);
      unlabelled.push(
        ...(await page.$$eval('input, select, textarea', (controls) =>
          controls.filter((control) => control.labels.length === 0).map((control) => control.id || control.name),
        )),
      );
    }
    expect(unlabelled.length === 0, `controls without a label: ${unlabelled.join(', ')}`);
  });

  await check('keyboard', async () => {
    await open('');
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement.textContent);
    expect(first === '跳到主要内容', `the first Tab stop is "${first}", not the skip link`);
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement.id === 'main'), 'the skip link does not reach main');
    await page.focus('#filter-q');
    await page.keyboard.type(everything[0].name);
    await navigating(() => page.keyboard.press('Enter'));
    const focused = await page.evaluate(() => document.activeElement.id);
    expect(focused === 'results-heading', `after a search the focus is on "${focused}", not the results`);
  });

  await check('search_narrows', async () => {
    await open('');
    const term = everything.at(-1).name;
    await page.fill('#filter-q', term);
    await navigating(() => page.click('.filters button[type="submit"]'));
    const ids = await rowIds();
    const expected = (await apiIds({ search: term })).map((item) => item.id).slice(0, 20);
    expect(ids.includes(everything.at(-1).id), `searching "${term}" does not list ${everything.at(-1).id}`);
    expect(ids.length < everything.length, `searching "${term}" lists ${ids.length} of ${everything.length}`);
    expect(JSON.stringify(ids) === JSON.stringify(expected), `listed ${ids}, the API finds ${expected}`);
    expect((await page.evaluate(() => location.hash)).includes('q='), 'the search is not in the URL');
    await shoot('search');
    return `"${term}": ${ids.length} of ${everything.length}`;
  });

  await check('filters_narrow', async () => {
    const found = [];
    for (const [control, value, column, text, filter] of [
      ['#filter-level', 'VILLAGE', '.levels', '村级', { level: 'VILLAGE' }],
      ['#filter-audience', 'SPECIFIC_GROUP', null, null, { audience: 'SPECIFIC_GROUP' }],
      ['#filter-method', 'PROACTIVE', '.method', '主动', { method: 'PROACTIVE' }],
    ]) {
      await open('');
      await page.selectOption(control, value);
      await navigating(() => page.click('.filters button[type="submit"]'));
      const ids = await rowIds();
      const expected = (await apiIds(filter)).map((item) => item.id);
      expect(JSON.stringify(ids) === JSON.stringify(expected.slice(0, 20)), `${value}: listed ${ids}, the API has ${expected}`);
      expect(total(await summary()) === expected.length, `${value}: the page counts ${await summary()}, the API ${expected.length}`);
      if (column) {
        const cells = await page.$$eval(`.catalog-table tbody ${column}`, (all) => all.map((cell) => cell.textContent));
        expect(
          cells.every((cell) => cell.includes(text)),
          `${value}: a row without ${text}: ${cells}`,
        );
      }
      found.push(`${value}: ${ids.length}`);
    }
    // The level and audience filters must narrow the demo catalog; the shown labels are Chinese.
    const village = (await apiIds({ level: 'VILLAGE' })).length;
    const group = (await apiIds({ audience: 'SPECIFIC_GROUP' })).length;
    expect(village > 0 && village < everything.length, `level VILLAGE keeps ${village} of ${everything.length}`);
    expect(group > 0 && group < everything.length, `audience SPECIFIC_GROUP keeps ${group} of ${everything.length}`);
    await open('#/?level=VILLAGE');
    const option = await page.$eval('#filter-level', (select) => select.selectedOptions[0].textContent);
    expect(option === '村级', `the level filter shows "${option}"`);
    await shoot('filter-village-level');
    return found.join('; ');
  });

  await check('browse_by_domain_and_unit', async () => {
    const item = (await graphql('{ catalog(first: 1) { edges { node { id domain unit } } } }')).catalog.edges[0].node;
    await open('#/domains');
    await navigating(() => page.click(`.browse-table tr:has(th:text-is("${item.domain}")) a`));
    let ids = await rowIds();
    let expected = (await apiIds({ domain: item.domain })).map((found) => found.id).slice(0, 20);
    expect(JSON.stringify(ids) === JSON.stringify(expected), `domain ${item.domain}: ${ids} vs ${expected}`);
    await open('#/units');
    await shoot('units');
    await navigating(() => page.click(`.browse-table tr:has(th:text-is("${item.unit}")) a`));
    ids = await rowIds();
    expected = (await apiIds({ unit: item.unit })).map((found) => found.id).slice(0, 20);
    expect(JSON.stringify(ids) === JSON.stringify(expected), `unit ${item.unit}: ${ids} vs ${expected}`);
    return `${item.domain}, ${item.unit}`;
  });

  await check('pagination', async () => {
    expect(everything.length >= 3, `pagination needs at least 3 items, the demo has ${everything.length}`);
    const size = Math.max(2, Math.ceil(everything.length / 10)); // about ten pages, whatever the demo's size
    await open(`#/?first=${size}`);
    const pages = [await rowIds()];
    while (await page.$('.pager a.next')) {
      await navigating(() => page.click('.pager a.next'));
      const focused = await page.evaluate(() => document.activeElement.id);
      expect(focused === 'results-heading', `after 下一页 the focus is on "${focused}"`);
      pages.push(await rowIds());
      expect(pages.length < 100, 'too many pages');
    }
    const expectedPages = Math.ceil(everything.length / size);
    expect(pages.length === expectedPages, `${pages.length} pages, expected ${expectedPages}`);
    expect(
      JSON.stringify(pages.flat()) === JSON.stringify(everything.map((item) => item.id)),
      `the pages list ${pages.flat()}, the API ${everything.map((item) => item.id)}`,
    );
    expect(pages.slice(0, -1).every((ids) => ids.length === size), 'a page before the last is not full');
    const last = await summary();
    expect(last.includes(`第 ${expectedPages} / ${expectedPages} 页`), `the last page says "${last}"`);
    await shoot('pagination-last');
    await navigating(() => page.click('.pager a.previous'));
    expect(
      JSON.stringify(await rowIds()) === JSON.stringify(pages.at(-2)),
      '上一页 does not show the page before',
    );
    await navigating(() => page.goBack());
    expect(JSON.stringify(await rowIds()) === JSON.stringify(pages.at(-1)), 'the back button does not return');
    return `${pages.length} pages of ${size}`;
  });

  const adjusted = config.adjusted;

  // A page long enough to hold the adjusted item among the demo's few hundred.
  const LONG_PAGE = '#/?first=100';

  await check('item_history', async () => {
    await open(LONG_PAGE);
    await navigating(() => page.click(`tr[data-item-id="${adjusted.itemId}"] a.item-link`));
    const heading = await page.evaluate(() => document.activeElement.tagName);
    expect(heading === 'H1', `after opening an item the focus is on ${heading}`);
    const terms = await page.$$eval('.elements dt', (all) => all.map((term) => term.textContent));
    for (const term of [
      '一级事项',
      '二级事项',
      '三级事项',
      '公开内容（要素）',
      '公开依据',
      '公开时限',
      '公开主体',
      '公开渠道和载体',
      '公开对象',
      '公开方式',
      '公开层级',
    ]) {
      expect(terms.includes(term), `the item page lacks ${term}`);
    }
    const content = await page.textContent('dd[data-element="公开内容（要素）"]');
    expect(content === adjusted.newContent, `the item shows "${content}", not the newest version`);
    const history = await page.$$eval('.history-table tbody tr', (rows) =>
      rows.map((row) => ({ version: row.dataset.version, text: row.textContent, current: row.ariaCurrent })),
    );
    expect(history.length >= 2, `the history has ${history.length} row(s)`);
    const change = history.find((row) => row.version === String(adjusted.newVersion));
    expect(change && change.text.includes('变更'), `no 变更 row for version ${adjusted.newVersion}`);
    expect(change.text.includes(adjusted.reason), `the 变更 row does not give the reason "${adjusted.reason}"`);
    expect(change.current === 'true', 'the newest version is not marked as the one shown');
    await shoot('item');
    return `${history.length} versions`;
  });

  await check('as_of_shows_older_version', async () => {
    await open(LONG_PAGE);
    await page.fill('#filter-asof-date', adjusted.asOfDate);
    await page.fill('#filter-asof-time', adjusted.asOfTime);
    await navigating(() => page.click('.filters button[type="submit"]'));
    const banner = await page.textContent('#asof-banner');
    expect(banner.includes('历史目录'), `no as-of banner: "${banner}"`);
    const asOf = `${adjusted.asOfDate}T${adjusted.asOfTime}+08:00`;
    const expected = (await apiIds({}, asOf)).map((item) => item.id).slice(0, 100);
    const ids = await rowIds();
    expect(JSON.stringify(ids) === JSON.stringify(expected), `as of ${asOf}: listed ${ids}, the API ${expected}`);
    const versionCell = await page.textContent(`tr[data-item-id="${adjusted.itemId}"] td[data-label="版本"]`);
    expect(versionCell.includes(`第 ${adjusted.oldVersion} 版`), `the list shows "${versionCell}"`);
    await shoot('as-of-catalog');
    await navigating(() => page.click(`tr[data-item-id="${adjusted.itemId}"] a.item-link`));
    const content = await page.textContent('dd[data-element="公开内容（要素）"]');
    expect(content === adjusted.oldContent, `as of ${asOf} the item shows "${content}"`);
    const line = await page.textContent('.version-line');
    expect(line.includes(`第 ${adjusted.oldVersion} 版`), `the version line says "${line}"`);
    const later = await page.$$eval('.history-table tr.later', (rows) => rows.map((row) => row.dataset.version));
    expect(later.includes(String(adjusted.newVersion)), 'the later version is not marked as after the chosen time');
    expect((await page.evaluate(() => location.hash)).includes('asOf='), 'the item link drops asOf');
    await shoot('as-of-item');
    await navigating(() => page.click('#asof-banner a'));
    const now = await page.textContent('dd[data-element="公开内容（要素）"]');
    expect(now === adjusted.newContent, '返回当前目录 does not show the newest version');
    return `as of ${asOf}: version ${adjusted.oldVersion}`;
  });

  await check('times_name_the_zone', async () => {
    const { jurisdiction } = await graphql('{ jurisdiction { timezone } }');
    expect(jurisdiction.timezone === 'Asia/Shanghai', `the demo's zone is ${jurisdiction.timezone}`);
    const { item } = await graphql('query ($id: ItemId!) { item(id: $id) { history { publishedAt } } }', {
      id: adjusted.itemId,
    });
    await open(`#/item/${encodeURIComponent(adjusted.itemId)}`);
    const cells = await page.$$eval('.history-table td[data-label="公布日期"]', (all) => all.map((c) => c.textContent));
    const expected = item.history.map((entry) => beijingText(entry.publishedAt));
    expect(cells.length === expected.length, `${cells.length} dates shown, the API has ${expected.length}`);
    cells.forEach((cell, index) =>
      expect(cell.startsWith(expected[index]), `the history shows "${cell}", not "${expected[index]}"`),
    );
    const asOf = `${adjusted.asOfDate}T${adjusted.asOfTime}+08:00`;
    await open(`#/?asOf=${encodeURIComponent(asOf)}`);
    const banner = await page.textContent('#asof-banner');
    expect(banner.includes(beijingText(asOf)), `the as-of banner says "${banner}", not ${beijingText(asOf)}`);
    return cells.join('; ');
  });

  await check('retired_item', async () => {
    const retired = await retiredItem();
    expect(retired, 'the demo has no retired item');
    const { retirement } = retired;
    await open('');
    await navigating(() => page.evaluate((id) => (location.hash = `#/item/${encodeURIComponent(id)}`), retired.id));
    const heading = await page.textContent('h1');
    expect(heading.includes('已取消'), `the heading of a retired item is "${heading}"`);
    const notice = await page.textContent('.retirement');
    expect(notice.includes('该事项已取消'), `no retirement notice: "${notice}"`);
    const when = await page.textContent('dd[data-fact="retired-at"]');
    expect(when === beijingText(retirement.retiredAt), `retired at "${when}", the API ${retirement.retiredAt}`);
    const why = await page.textContent('dd[data-fact="reason"]');
    expect(why.includes(retirement.trigger) && why.includes(retirement.reason), `the reason shown is "${why}"`);
    const approval = await page.textContent('dd[data-fact="approval"]');
    expect(
      approval.includes(retirement.approvedBy) && approval.includes(retirement.approvalReference),
      `the approval shown is "${approval}"`,
    );
    const content = await page.textContent('dd[data-element="公开内容（要素）"]');
    expect(content === retirement.lastVersion.content, `the last version shows "${content}"`);
    const kinds = await page.$$eval('.history-table td[data-label="调整类型"]', (all) => all.map((c) => c.textContent));
    expect(kinds.at(-1) === '取消', `the history ends with "${kinds.at(-1)}", not 取消`);
    await page.click('.retirement a.history-link');
    const focused = await page.evaluate(() => document.activeElement.id);
    expect(focused === 'history-heading', `the history link leaves the focus on "${focused}"`);
    await shoot('retired-item');
    return `${retired.id}: ${why}`;
  });

  await check('village_list', async () => {
    await open('#/village');
    const ids = await page.$$eval('.village-table tbody tr', (rows) => rows.map((row) => row.dataset.itemId));
    const expected = (await apiIds({ level: 'VILLAGE' })).map((item) => item.id);
    expect(ids.length > 0, 'the village list is empty');
    expect(
      JSON.stringify([...ids].sort()) === JSON.stringify([...expected].sort()),
      `the village list has ${ids}, the API ${expected}`,
    );
    await shoot('village');
    return `${ids.length} village-level items`;
  });

  await check('print', async () => {
    const hiddenInPrint = ['.site-nav', '.filters', '.api-note'];
    for (const [hash, name] of [
      ['#/village', 'village-print'],
      [`#/item/${encodeURIComponent(config.adjusted.itemId)}`, 'item-print'],
    ]) {
      await open(hash);
      await page.emulateMedia({ media: 'print' });
      const shown = await page.evaluate(
        (selectors) =>
          selectors.filter((selector) => {
            const element = document.querySelector(selector);
            return element && getComputedStyle(element).display !== 'none';
          }),
        hiddenInPrint,
      );
      expect(shown.length === 0, `${name}: print shows ${shown}`);
      const table = await page.$eval('main table', (element) => getComputedStyle(element).display);
      expect(table === 'table', `${name}: the table prints as ${table}`);
      await shoot(name);
      if (name === 'village-print') {
        const pdf = path.join(config.screenshots, `${name}.pdf`);
        await page.pdf({ path: pdf, preferCSSPageSize: true });
        screenshots.push(pdf);
      }
      await page.emulateMedia({ media: 'screen' });
    }
  });

  await check('log_head', async () => {
    const health = await (await fetch(`${base}/healthz`)).json();
    await open('');
    const hash = await page.textContent('#log-hash');
    expect(hash === health.head_hash, `the page shows ${hash}, /healthz ${health.head_hash}`);
    const position = await page.textContent('#log-position');
    expect(position === String(health.position), `the page shows position ${position}, /healthz ${health.position}`);
    const footer = await page.textContent('.log-head');
    expect(footer.includes('registry verify'), 'the footer does not say how to verify');
    return hash;
  });

  await check('phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, name] of [
      ['', 'phone-catalog'],
      [`#/item/${encodeURIComponent(adjusted.itemId)}`, 'phone-item'],
      ['#/village', 'phone-village'],
    ]) {
      await open(hash);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow <= 0, `${name} scrolls sideways by ${overflow}px`);
      await shoot(name);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await check('feed_links', async () => {
    /** The feed links of the view: the head's <link rel="alternate"> and the visible 订阅 link, both resolved. */
    const feedLinks = () =>
      page.evaluate(() => ({
        alternate: document.querySelector('link[rel="alternate"][type="application/atom+xml"]').href,
        visible: document.getElementById('feed-link').href,
        text: document.getElementById('feed-link').textContent,
      }));
    const params = (url) => Object.fromEntries(new URL(url).searchParams);
    await open('');
    let found = await feedLinks();
    expect(found.alternate === `${base}/feeds/changes.atom`, `the catalog's feed is ${found.alternate}`);
    const item = (await graphql('{ catalog(first: 1) { edges { node { domain unit } } } }')).catalog.edges[0].node;
    await open('#/domains');
    await navigating(() => page.click(`.browse-table tr:has(th:text-is("${item.domain}")) a`));
    found = await feedLinks();
    expect(
      JSON.stringify(params(found.alternate)) === JSON.stringify({ domain: item.domain }),
      `the feed of domain ${item.domain} is ${found.alternate}`,
    );
    expect(found.visible === found.alternate, `the visible link is ${found.visible}, the head's ${found.alternate}`);
    expect(found.text.includes(item.domain) && found.text.includes('订阅'), `the link says "${found.text}"`);
    const feed = await fetch(found.alternate);
    const body = await feed.text();
    expect(feed.status === 200, `the domain's feed answers ${feed.status}`);
    expect(feed.headers.get('content-type').startsWith('application/atom+xml'), `the feed is ${feed.headers.get('content-type')}`);
    expect(body.includes('<feed') && body.includes(`领域：${item.domain}`), 'the feed is not the domain\'s Atom feed');
    await open(`#/village?unit=${encodeURIComponent(item.unit)}`);
    found = await feedLinks();
    expect(
      JSON.stringify(params(found.alternate)) === JSON.stringify({ level: 'village', unit: item.unit }),
      `the village list's feed is ${found.alternate}`,
    );
    await open('#/units');
    found = await feedLinks();
    expect(found.alternate === `${base}/feeds/changes.atom`, `the units page's feed is ${found.alternate}`);
    return `${item.domain}: ${params(found.alternate)}`;
  });

  await check('media_accounts', async () => {
    const { mediaAccounts } = await graphql(
      '{ mediaAccounts(first: 200) { edges { node { id name platform hostUnit status statusLabel } } } }',
    );
    const accounts = mediaAccounts.edges.map((edge) => edge.node);
    expect(accounts.length > 0, 'the demo lists no new-media account');
    await open('#/accounts');
    const heading = await page.textContent('main h1');
    expect(heading === '政务新媒体', `the section's heading is "${heading}"`);
    const current = await page.getAttribute('[data-nav="accounts"]', 'aria-current');
    expect(current === 'page', 'the navigation does not mark the 政务新媒体 section');
    const rows = await page.$$eval('.account-unit .account-table tbody tr', (all) =>
      all.map((row) => ({
        id: row.dataset.accountId,
        unit: row.closest('section').dataset.unit,
        platform: row.querySelector('th').textContent,
        text: row.textContent,
      })),
    );
    const ids = (list) => JSON.stringify(list.map((account) => account.id).sort());
    expect(ids(rows) === ids(accounts), `the section lists ${ids(rows)}, the API ${ids(accounts)}`);
    for (const account of accounts) {
      const row = rows.find((shown) => shown.id === account.id);
      expect(row.unit === account.hostUnit, `${account.id} is under ${row.unit}, not ${account.hostUnit}`);
      expect(row.platform === account.platform, `${account.id} shows the platform ${row.platform}`);
      expect(row.text.includes(account.name), `${account.id} does not show its name ${account.name}`);
      expect(row.text.includes(account.statusLabel), `${account.id} is not marked ${account.statusLabel}`);
    }
    const units = await page.$$eval('.account-unit h2', (all) => all.map((element) => element.textContent));
    expect(new Set(units).size === units.length, `a unit has two sections: ${units}`);
    const suspended = accounts.filter((account) => account.status === 'SUSPENDED');
    expect(suspended.length > 0, 'the demo has no suspended account to mark 已关停');
    expect(
      suspended.every((account) => rows.find((row) => row.id === account.id).text.includes('已关停')),
      'a suspended account is not marked 已关停',
    );
    await shoot('accounts');

    const first = accounts[0];
    await navigating(() => page.click(`tr[data-account-id="${first.id}"] td[data-label="账号名称"] a`));
    const title = await page.textContent('main h1');
    expect(title.includes(first.name), `the account's page is titled "${title}"`);
    const history = await page.$$eval('.history-table tbody tr', (all) => all.length);
    expect(history > 0, `${first.id}'s page shows no 备案记录`);
    await shoot('account');

    await open('#/units');
    await navigating(() => page.click(`.browse-table tr:has(th:text-is("${first.hostUnit}")) a`));
    const beside = await page.$$eval('.unit-accounts tbody tr', (all) => all.map((row) => ({ id: row.dataset.accountId })));
    const owned = accounts.filter((account) => account.hostUnit === first.hostUnit);
    expect(ids(beside) === ids(owned), `${first.hostUnit}'s page lists ${ids(beside)}, the API ${ids(owned)}`);
    expect(await page.$('#results-heading'), `${first.hostUnit}'s page lost its catalog`);
    await shoot('unit-accounts');

    await page.setViewportSize({ width: 390, height: 844 });
    await open('#/accounts');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await shoot('phone-accounts');
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(overflow <= 0, `the 政务新媒体 section scrolls sideways by ${overflow}px on a phone`);
    return `${accounts.length} accounts of ${units.length} units; ${first.hostUnit}: ${owned.length}`;
  });

  // Last: it publishes an item, so the catalog the checks above compared with changes.
  await check('live_notice', async () => {
    const live = config.live;
    const streaming = page.waitForResponse((response) => new URL(response.url()).pathname === '/changes/stream');
    await open('');
    const opened = await streaming;
    expect(opened.status() === 200, `the live stream answers ${opened.status()}`);
    const before = total(await summary());
    expect((await page.textContent('#change-notice')) === '', 'a notice shows before anything changed');
    execFileSync(live.command[0], live.command.slice(1), { cwd: live.cwd, stdio: 'pipe' });
    await page.waitForFunction(() => document.getElementById('change-notice').textContent !== '', null, {
      timeout: TIMEOUT,
    });
    const notice = await page.textContent('#change-notice');
    expect(notice.includes('目录有新变化') && notice.includes(live.title) && notice.includes('已增加'), `the notice says "${notice}"`);
    const role = await page.getAttribute('#change-notice', 'role');
    expect(role === 'status', `the notice's role is ${role}`);
    await shoot('live-notice');
    await navigating(() => page.click('#change-notice button'));
    expect((await page.textContent('#change-notice')) === '', 'the notice stays after 刷新');
    const after = total(await summary());
    expect(after === before + 1, `after 刷新 the catalog counts ${after}, before ${before}`);
    return notice;
  });

  await context.close();
} finally {
  await browser.close();
}

console.log(
  JSON.stringify({ checks, problems, screenshots, seconds: Math.round((Date.now() - started) / 100) / 10 }),
);
