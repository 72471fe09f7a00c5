// Opens GraphiQL (/graphql in a browser) in headless Chromium that can reach 127.0.0.1 and nothing else, as on a
// government intranet without the internet, and runs a query in it.
// Usage: node graphiql.mjs CONFIG_JSON
//   CONFIG_JSON: {"url", "chromium", "screenshots"}
// Prints one JSON object: {"checks": {name: {"ok", "detail"}}, "problems": [...], "outside": [...], "screenshots"}.
// `outside`: every request the page tried to make to another host (each was refused).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const config = JSON.parse(process.argv[2]);
const base = config.url.replace(/\/$/, '');
const checks = {};
const problems = []; // console errors (a refused content security policy among them), page errors, failed requests
const outside = [];
const screenshots = [];
const TIMEOUT = 20_000;
const QUERY = '{ log { position headHash } }';

await mkdir(config.screenshots, { recursive: true });

class Failed extends Error {}

function expect(condition, message) {
  if (!condition) throw new Failed(message);
}

let page;

async function shoot(name) {
  const file = path.join(config.screenshots, `${name}.png`);
  await page.screenshot({ path: file });
  screenshots.push(file);
}

async function check(name, body) {
  try {
    checks[name] = { ok: true, detail: (await body()) ?? '' };
  } catch (error) {
    checks[name] = { ok: false, detail: error instanceof Failed ? error.message : String(error.stack || error) };
    await shoot(`failed-${name}`).catch(() => {});
  }
}

function local(url) {
  const { protocol, hostname } = new URL(url);
  return protocol === 'data:' || protocol === 'about:' || protocol === 'blob:' || hostname === '127.0.0.1';
}

const browser = await chromium.launch({
  executablePath: config.chromium,
  headless: true,
  chromiumSandbox: false,
  args: [
    // Every name resolves to nothing but 127.0.0.1: no DNS, no internet.
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(TIMEOUT);
  // And whatever the resolver would let through: any request to another host is refused, and noted.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (local(url)) return route.continue();
    outside.push(url);
    return route.abort('blockedbyclient');
  });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    if (local(request.url())) problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  await page.addInitScript(() => {
    window.__refused = [];
    document.addEventListener('securitypolicyviolation', (event) =>
      window.__refused.push(`${event.violatedDirective}: ${event.blockedURI || 'inline'}`),
    );
  });

  await check('renders', async () => {
    const introspected = page.waitForResponse(
      (response) => response.url().startsWith(`${base}/graphql`) && response.request().method() === 'POST',
    );
    await page.goto(`${base}/graphql`);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror');
    expect((await introspected).status() === 200, 'the schema could not be read');
    const text = await page.textContent('#graphiql');
    expect(!text.includes('Loading…'), 'GraphiQL still says Loading…');
    await page.waitForSelector('.graphiql-doc-explorer, button[aria-label*="Documentation"]');
    await shoot('graphiql');
    return 'GraphiQL drew its editor and read the schema';
  });

  await check('runs_a_query', async () => {
    const health = await (await fetch(`${base}/healthz`)).json();
    await page.goto(`${base}/graphql?query=${encodeURIComponent(QUERY)}`);
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    const editor = await page.$$eval('.graphiql-query-editor .CodeMirror-line', (lines) =>
      lines.map((line) => line.textContent).join('\n'),
    );
    expect(editor.replace(/\s/g, '') === QUERY.replace(/\s/g, ''), `the editor holds "${editor}", not the query`);
    await page.click('.graphiql-execute-button');
    await page.waitForFunction(
      (hash) => document.querySelector('.graphiql-response')?.textContent.includes(hash),
      health.head_hash,
    );
    const answer = await page.textContent('.graphiql-response');
    expect(answer.includes(`"position": ${health.position}`), `the answer is ${answer}`);
    await shoot('graphiql-answer');
    return `log head ${health.head_hash.slice(0, 12)}… at position ${health.position}`;
  });

  await check('opens_its_documentation_and_settings', async () => {
    await page.click('button[aria-label="Show Documentation Explorer"]');
    await page.waitForSelector('.graphiql-doc-explorer-title');
    const title = await page.textContent('.graphiql-doc-explorer-title');
    expect(title.includes('Docs'), `the documentation explorer says "${title}"`);
    await page.click('button[aria-label="Open settings dialog"]');
    await page.waitForSelector('.graphiql-dialog');
    await shoot('graphiql-settings');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.graphiql-dialog', { state: 'detached' });
  });

  await check('no_policy_refusals', async () => {
    const refused = await page.evaluate(() => window.__refused);
    expect(refused.length === 0, `the content security policy refused: ${refused.join('; ')}`);
  });

  await context.close();
} finally {
  await browser.close();
}

console.log(JSON.stringify({ checks, problems, outside, screenshots }));
