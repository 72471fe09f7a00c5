// The catalog view: search and filters, a page of results, next/previous with the API's cursors.
import { h, uid } from './dom.js';
import { asOfFrom, formatDate, isTime, label, labelList, localParts, values, zoneName } from './format.js';
import { compact, queryNote, request } from './graphql.js';
import { go, href, itemHref } from './route.js';

export const DEFAULT_SIZE = 20;
const SIZES = [10, 20, 50, 100];
const ENUM_FILTERS = [
  { key: 'level', kind: 'Level', text: '公开层级' },
  { key: 'audience', kind: 'Audience', text: '公开对象' },
  { key: 'method', kind: 'Method', text: '公开方式' },
];

export const CATALOG_QUERY = `
query Catalog($filter: CatalogFilter, $asOf: DateTime, $first: PageSize, $after: CatalogCursor) {
  catalog(filter: $filter, asOf: $asOf, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node { id version domain unit category name subname timeLimit levels method audience publishedAt }
    }
  }
}`;

/** The view's state from the URL; anything unreadable falls back to the default. */
function readState(params) {
  const state = {
    q: (params.get('q') || '').trim().slice(0, 100),
    domain: params.get('domain') || '',
    unit: params.get('unit') || '',
    asOf: isTime(params.get('asOf')) ? params.get('asOf') : '',
    first: DEFAULT_SIZE,
    // The cursor stack: the `after` of every page up to this one; empty on the first page.
    pages: (params.get('page') || '').split(',').filter(Boolean),
  };
  for (const { key, kind } of ENUM_FILTERS) {
    const value = params.get(key) || '';
    state[key] = values(kind).some((known) => known.value === value) ? value : '';
  }
  const size = Number(params.get('first'));
  if (Number.isInteger(size) && size >= 1 && size <= 200) state.first = size;
  return state;
}

function link(state, changes = {}) {
  const next = { ...state, ...changes };
  return href('/', {
    q: next.q,
    domain: next.domain,
    unit: next.unit,
    level: next.level,
    audience: next.audience,
    method: next.method,
    first: next.first === DEFAULT_SIZE ? '' : next.first,
    asOf: next.asOf,
    page: next.pages.join(','),
  });
}

export async function catalogView(route, site) {
  const state = readState(route.params);
  const variables = compact({
    filter: {
      search: state.q,
      domain: state.domain,
      unit: state.unit,
      level: state.level,
      audience: state.audience,
      method: state.method,
    },
    asOf: state.asOf,
    first: state.first,
    after: state.pages.at(-1),
  });
  let results;
  try {
    const data = await request(CATALOG_QUERY, variables);
    results = resultList(state, data.catalog);
  } catch (error) {
    results = [h('p', { class: 'error', role: 'alert' }, `查询失败：${error.message}`)];
  }
  site.lastList = location.hash || '#/';
  const active = describe(state);
  return {
    title: active ? `目录查询：${active}` : '目录查询',
    feed: feedOf(state),
    nodes: [
      h('h1', { tabindex: '-1' }, '政务公开事项标准目录'),
      h(
        'p',
        { class: 'lead' },
        '本目录列出各部门、各镇和试点领域依法应当公开的事项，每一项说明公开什么、依据什么、何时公开、由谁公开、通过什么渠道公开。这里显示的是经审查、审议后公布的权威版本。',
      ),
      filterForm(state, site),
      h(
        'section',
        { class: 'results', 'aria-labelledby': 'results-heading' },
        h('h2', { id: 'results-heading', tabindex: '-1' }, active ? `查询结果：${active}` : '全部公开事项'),
        results,
      ),
      queryNote(CATALOG_QUERY, variables),
    ],
  };
}

/** The Atom feed of the filters a feed has (domain, unit, level); search, audience, method and asOf it has not. */
function feedOf(state) {
  const named = [
    state.domain ? `${state.domain}领域` : '',
    state.unit,
    state.level ? `${label('Level', state.level)}事项` : '',
  ];
  return {
    params: { domain: state.domain, unit: state.unit, level: state.level.toLowerCase() },
    label: named.filter(Boolean).join('、'),
  };
}

/** The active filters in words, e.g. 领域：社会救助；公开层级：村级. */
function describe(state) {
  const parts = [];
  if (state.q) parts.push(`关键词“${state.q}”`);
  if (state.domain) parts.push(`领域：${state.domain}`);
  if (state.unit) parts.push(`单位：${state.unit}`);
  for (const { key, kind, text } of ENUM_FILTERS) {
    if (state[key]) parts.push(`${text}：${label(kind, state[key])}`);
  }
  return parts.join('；');
}

function field(labelText, control, hint) {
  const hintId = hint ? uid('hint') : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, labelText),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
  );
}

function select(name, chosen, anyText, options) {
  const known = options.some((option) => option.value === chosen);
  return h(
    'select',
    { id: `filter-${name}`, name },
    h('option', { value: '' }, anyText),
    options.map((option) => h('option', { value: option.value, selected: option.value === chosen }, option.label)),
    chosen && !known ? h('option', { value: chosen, selected: true }, chosen) : null,
  );
}

function filterForm(state, site) {
  const asOf = state.asOf ? localParts(state.asOf) : null;
  const sizes = SIZES.includes(state.first) ? SIZES : [...SIZES, state.first].sort((a, b) => a - b);
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-labelledby': 'filters-heading', novalidate: true },
    h('h2', { id: 'filters-heading' }, '查询条件'),
    h(
      'div',
      { class: 'field-grid' },
      field(
        '关键词',
        h('input', { type: 'search', id: 'filter-q', name: 'q', value: state.q, maxlength: '100' }),
        '在事项名称、公开内容和公开依据中查找',
      ),
      field(
        '领域',
        select(
          'domain',
          state.domain,
          '全部领域',
          site.domains.map((domain) => ({ value: domain.name, label: domain.name })),
        ),
      ),
      field(
        '单位',
        select(
          'unit',
          state.unit,
          '全部单位',
          site.units.map((unit) => ({ value: unit.name, label: unit.name })),
        ),
      ),
      ENUM_FILTERS.map(({ key, kind, text }) => field(text, select(key, state[key], '不限', values(kind)))),
      field(
        '每页条数',
        h(
          'select',
          { id: 'filter-first', name: 'first' },
          sizes.map((size) => h('option', { value: size, selected: size === state.first }, `${size} 条`)),
        ),
      ),
    ),
    h(
      'fieldset',
      { class: 'asof-fields' },
      h('legend', {}, '查看历史目录（可选）'),
      h(
        'div',
        { class: 'field-grid' },
        field('日期', h('input', { type: 'date', id: 'filter-asof-date', name: 'asOfDate', value: asOf?.date ?? '' })),
        field(
          '时间',
          h('input', { type: 'time', id: 'filter-asof-time', name: 'asOfTime', step: '1', value: asOf?.time ?? '' }),
          `${zoneName()}；不填则为当日结束时`,
        ),
      ),
      h('p', { class: 'hint' }, '选择日期后，显示该时刻有效的目录和各事项当时的版本；留空则显示当前目录。'),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, '查询'),
      h('a', { href: '#/', class: 'button secondary' }, '清除条件'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const first = Number(data.get('first'));
    const next = {
      q: String(data.get('q') || '').trim(),
      domain: String(data.get('domain') || ''),
      unit: String(data.get('unit') || ''),
      level: String(data.get('level') || ''),
      audience: String(data.get('audience') || ''),
      method: String(data.get('method') || ''),
      first: Number.isInteger(first) && first > 0 ? first : DEFAULT_SIZE,
      asOf: asOfFrom(String(data.get('asOfDate') || ''), String(data.get('asOfTime') || '')),
      pages: [],
    };
    go(link(next), 'results');
  });
  return form;
}

function resultList(state, catalog) {
  const total = catalog.totalCount;
  const pageIndex = state.pages.length;
  const pageCount = Math.max(1, Math.ceil(total / state.first));
  const rows = catalog.edges.map((edge) => edge.node);
  const summary = h(
    'p',
    { class: 'summary', id: 'results-summary' },
    total === 0 ? '没有符合条件的公开事项。' : `共 ${total} 项，第 ${pageIndex + 1} / ${pageCount} 页。`,
  );
  if (rows.length === 0) {
    return [summary, total > 0 ? pager(state, catalog, pageIndex, pageCount) : null];
  }
  const firstNumber = pageIndex * state.first + 1;
  const table = h(
    'table',
    { class: 'catalog-table' },
    h('caption', { class: 'visually-hidden' }, `公开事项列表，第 ${pageIndex + 1} 页`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['序号', '公开事项', '领域 / 单位', '公开时限', '公开方式', '公开层级', '版本'].map((text) =>
          h('th', { scope: 'col' }, text),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((item, index) =>
        h(
          'tr',
          { 'data-item-id': item.id },
          h('td', { 'data-label': '序号', class: 'number' }, String(firstNumber + index)),
          h(
            'td',
            { 'data-label': '公开事项', class: 'name' },
            item.category && item.category !== item.name ? h('span', { class: 'category' }, item.category) : null,
            h('a', { href: itemHref(item.id, state.asOf), class: 'item-link' }, title(item)),
          ),
          h('td', { 'data-label': '领域 / 单位' }, [item.domain, item.unit].filter(Boolean).join(' / ')),
          h('td', { 'data-label': '公开时限' }, item.timeLimit),
          h('td', { 'data-label': '公开方式', class: 'method' }, labelList('Method', item.method)),
          h('td', { 'data-label': '公开层级', class: 'levels' }, labelList('Level', item.levels)),
          h('td', { 'data-label': '版本' }, `第 ${item.version} 版，${formatDate(item.publishedAt)}公布`),
        ),
      ),
    ),
  );
  return [summary, table, pager(state, catalog, pageIndex, pageCount)];
}

export function title(item) {
  return item.subname ? `${item.name}（${item.subname}）` : item.name;
}

function pager(state, catalog, pageIndex, pageCount) {
  const previous =
    pageIndex > 0
      ? h('a', { href: link(state, { pages: state.pages.slice(0, -1) }), rel: 'prev', class: 'previous' }, '上一页')
      : h('span', { class: 'previous', 'aria-disabled': 'true' }, '上一页');
  const next =
    catalog.pageInfo.hasNextPage && catalog.pageInfo.endCursor
      ? h(
          'a',
          { href: link(state, { pages: [...state.pages, catalog.pageInfo.endCursor] }), rel: 'next', class: 'next' },
          '下一页',
        )
      : h('span', { class: 'next', 'aria-disabled': 'true' }, '下一页');
  for (const anchor of [previous, next]) {
    if (anchor.tagName === 'A') {
      anchor.addEventListener('click', (event) => {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        go(anchor.getAttribute('href'), 'results');
      });
    }
  }
  return h(
    'nav',
    { class: 'pager', 'aria-label': '分页' },
    previous,
    h('span', { class: 'page-number' }, `第 ${pageIndex + 1} / ${pageCount} 页`),
    next,
  );
}
