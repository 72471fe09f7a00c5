// The new-media account list (政务新媒体清单): the published accounts by unit and platform, one account's public
// record with its changes, and a unit's accounts beside its catalog.
import { h } from './dom.js';
import { formatDate, formatDateTime, isTime } from './format.js';
import { queryNote, request } from './graphql.js';
import { accountHref, href } from './route.js';

const PAGE = 200;
const MAX_PAGES = 50;

export const ACCOUNTS_QUERY = `
query MediaAccounts($filter: MediaAccountFilter, $first: PageSize, $after: MediaAccountCursor) {
  mediaAccounts(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name platform handle hostUnit link status statusLabel publishedAt } }
  }
}`;

export const ACCOUNT_QUERY = `
query MediaAccount($id: MediaAccountId!, $asOf: DateTime) {
  mediaAccount(id: $id, asOf: $asOf) {
    id name platform handle hostUnit operator certifiedAs openedOn purpose link status statusLabel version publishedAt
    history { version kind kindLabel statusLabel publishedAt reason changes { field label old new } }
  }
}`;

/** Every account of the list the variables filter, following the cursors. */
async function everyAccount(variables) {
  const accounts = [];
  let after = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const data = await request(ACCOUNTS_QUERY, after ? { ...variables, after } : variables);
    accounts.push(...data.mediaAccounts.edges.map((edge) => edge.node));
    if (!data.mediaAccounts.pageInfo.hasNextPage) break;
    after = data.mediaAccounts.pageInfo.endCursor;
  }
  return accounts;
}

export async function accountsView(route, site) {
  const variables = { first: PAGE };
  let body;
  try {
    body = byUnit(await everyAccount(variables), site);
  } catch (error) {
    body = [h('p', { class: 'error', role: 'alert' }, `查询失败：${error.message}`)];
  }
  return {
    title: '政务新媒体',
    nodes: [
      h('h1', { tabindex: '-1' }, '政务新媒体'),
      h(
        'p',
        { class: 'lead' },
        '各部门、各镇开设的政务新媒体账号（政务新媒体清单），按主办单位和平台列出。同一单位在同一平台只开设一个账号；账号的开设、变更、关停和注销均经备案后在此公布。',
      ),
      h('p', { class: 'hint' }, '标有“已关停”的账号暂停更新，仍在清单中；已注销的账号不再列出，其记录可在账号页面查看。'),
      body,
      queryNote(ACCOUNTS_QUERY, variables),
    ],
  };
}

/** The accounts grouped by unit (in the profile's order), each unit's in a table by platform. */
function byUnit(accounts, site) {
  if (accounts.length === 0) return [h('p', { class: 'summary' }, '清单中还没有政务新媒体账号。')];
  const order = new Map(site.units.map((unit, index) => [unit.name, index]));
  const units = new Map();
  for (const account of accounts) {
    if (!units.has(account.hostUnit)) units.set(account.hostUnit, []);
    units.get(account.hostUnit).push(account);
  }
  const names = [...units.keys()].sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9));
  return [
    h('p', { class: 'summary', id: 'accounts-summary' }, `共 ${accounts.length} 个账号，涉及 ${names.length} 个单位。`),
    names.map((unit, index) => {
      const headingId = `accounts-unit-${index + 1}`;
      return h(
        'section',
        { class: 'account-unit', 'aria-labelledby': headingId, 'data-unit': unit },
        h('h2', { id: headingId }, unit),
        accountTable(units.get(unit), `${unit}的政务新媒体账号`),
        h('p', {}, h('a', { href: href('/', { unit }) }, `查看${unit}的公开事项目录`)),
      );
    }),
  ];
}

function accountTable(accounts, caption) {
  const sorted = [...accounts].sort((a, b) => a.platform.localeCompare(b.platform, 'zh') || a.id.localeCompare(b.id));
  return h(
    'table',
    { class: 'account-table' },
    h('caption', { class: 'visually-hidden' }, caption),
    h(
      'thead',
      {},
      h('tr', {}, ['平台', '账号名称', '平台账号标识', '链接或二维码', '状态'].map((text) => h('th', { scope: 'col' }, text))),
    ),
    h(
      'tbody',
      {},
      sorted.map((account) =>
        h(
          'tr',
          { 'data-account-id': account.id, class: account.status === 'OPEN' ? null : 'suspended' },
          h('th', { scope: 'row', 'data-label': '平台' }, account.platform),
          h('td', { 'data-label': '账号名称' }, h('a', { href: accountHref(account.id) }, account.name)),
          h('td', { 'data-label': '平台账号标识' }, account.handle),
          h('td', { 'data-label': '链接或二维码', class: 'account-link' }, linkOf(account.link)),
          h('td', { 'data-label': '状态' }, statusMark(account)),
        ),
      ),
    ),
  );
}

function statusMark(account) {
  return h('span', { class: `account-status ${account.status.toLowerCase()}` }, account.statusLabel);
}

/** A web address as a link that leaves the portal; anything else (the text of a QR code) as text. */
function linkOf(link) {
  if (!link) return '—';
  if (/^https?:\/\//i.test(link)) return h('a', { href: link, rel: 'external noopener noreferrer' }, link);
  return link;
}

export async function accountView(route) {
  const id = decodeURIComponent(route.path.slice('/account/'.length));
  const asOf = isTime(route.params.get('asOf')) ? route.params.get('asOf') : '';
  const variables = asOf ? { id, asOf } : { id };
  const back = h('p', { class: 'back' }, h('a', { href: '#/accounts' }, '← 返回政务新媒体清单'));
  let account;
  try {
    ({ mediaAccount: account } = await request(ACCOUNT_QUERY, variables));
  } catch (error) {
    return {
      title: '政务新媒体账号',
      nodes: [
        back,
        h('h1', { tabindex: '-1' }, '政务新媒体账号'),
        h('p', { class: 'error', role: 'alert' }, `查询失败：${error.message}`),
      ],
    };
  }
  if (!account) {
    return {
      title: '未找到政务新媒体账号',
      nodes: [
        back,
        h('h1', { tabindex: '-1' }, '未找到政务新媒体账号'),
        h('p', {}, `编号为“${id}”的账号没有公布：它尚在备案审核中，或编号有误。`),
        queryNote(ACCOUNT_QUERY, variables),
      ],
    };
  }
  return {
    title: account.name,
    nodes: [
      back,
      h(
        'article',
        { class: 'account', 'aria-labelledby': 'account-heading' },
        h('p', { class: 'kicker' }, `${account.hostUnit} · ${account.platform}`),
        h('h1', { id: 'account-heading', tabindex: '-1' }, account.name, ' ', statusMark(account)),
        h(
          'p',
          { class: 'version-line' },
          account.status === 'CLOSED'
            ? `该账号已于${formatDateTime(account.publishedAt)}注销。`
            : `第 ${account.version} 次备案，${formatDate(account.publishedAt)}公布。`,
        ),
        h('h2', {}, '账号信息'),
        elements(account),
        history(account),
      ),
      queryNote(ACCOUNT_QUERY, variables),
    ],
  };
}

function elements(account) {
  const rows = [
    ['账号名称', account.name],
    ['平台', account.platform],
    ['平台账号标识', account.handle],
    ['主办单位', account.hostUnit],
    ['运营单位', account.operator],
    ['认证主体', account.certifiedAs],
    ['开设日期', account.openedOn ? formatDate(`${account.openedOn}T12:00:00+08:00`) : ''],
    ['主要内容/定位', account.purpose],
    ['链接或二维码', account.link ? linkOf(account.link) : ''],
    ['状态', account.statusLabel],
  ];
  return h(
    'dl',
    { class: 'elements' },
    rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value === '' ? h('span', { class: 'empty' }, '—') : value)]),
  );
}

function history(account) {
  return h(
    'section',
    { class: 'history', 'aria-labelledby': 'account-history-heading' },
    h('h2', { id: 'account-history-heading' }, '备案记录'),
    h(
      'table',
      { class: 'history-table' },
      h('caption', { class: 'visually-hidden' }, '该账号公布的每一次备案'),
      h(
        'thead',
        {},
        h('tr', {}, ['次序', '备案', '公布时间', '变更内容', '理由', '公布后状态'].map((text) => h('th', { scope: 'col' }, text))),
      ),
      h(
        'tbody',
        {},
        account.history.map((entry) =>
          h(
            'tr',
            { 'aria-current': entry.version === account.version ? 'true' : null },
            h('td', { 'data-label': '次序', class: 'number' }, String(entry.version)),
            h('td', { 'data-label': '备案' }, entry.kindLabel),
            h('td', { 'data-label': '公布时间' }, formatDateTime(entry.publishedAt)),
            h(
              'td',
              { 'data-label': '变更内容' },
              entry.changes.length
                ? h(
                    'ul',
                    { class: 'account-changes' },
                    entry.changes.map((change) =>
                      h('li', {}, `${change.label}：“${change.old || '（无）'}”改为“${change.new || '（无）'}”`),
                    ),
                  )
                : '—',
            ),
            h('td', { 'data-label': '理由' }, entry.reason || '—'),
            h('td', { 'data-label': '公布后状态' }, entry.statusLabel),
          ),
        ),
      ),
    ),
  );
}

/** The view `draw`, and on a unit's page (the catalog filtered by a unit) that unit's accounts beside its catalog. */
export function withUnitAccounts(draw) {
  return async (route, site) => {
    const drawn = await draw(route, site);
    const unit = route.params.get('unit') || '';
    if (!site.units.some((known) => known.name === unit)) return drawn;
    const variables = { filter: { unit }, first: PAGE };
    let body;
    try {
      const accounts = await everyAccount(variables);
      body = accounts.length
        ? accountTable(accounts, `${unit}的政务新媒体账号`)
        : h('p', { class: 'summary' }, `${unit}没有在清单中公布的政务新媒体账号。`);
    } catch (error) {
      body = h('p', { class: 'error', role: 'alert' }, `查询失败：${error.message}`);
    }
    const section = h(
      'section',
      { class: 'unit-accounts', 'aria-labelledby': 'unit-accounts-heading' },
      h('h2', { id: 'unit-accounts-heading' }, `${unit}的政务新媒体账号`),
      isTime(route.params.get('asOf')) ? h('p', { class: 'hint' }, '账号为当前清单，不随所选日期变化。') : null,
      body,
      h('p', {}, h('a', { href: '#/accounts' }, '查看全部政务新媒体账号')),
      queryNote(ACCOUNTS_QUERY, variables),
    );
    const results = drawn.nodes.findIndex((node) => node instanceof Element && node.classList.contains('results'));
    drawn.nodes.splice(results < 0 ? drawn.nodes.length : results + 1, 0, section);
    return drawn;
  };
}
