// The village lists (嘎查村公开清单): the catalog's village-level items, laid out to print for a notice board.
import { title } from './catalog.js';
import { h } from './dom.js';
import { formatDate, formatDateTime, isTime, label, labelList } from './format.js';
import { compact, queryNote, request } from './graphql.js';
import { go, href } from './route.js';

const PAGE = 200;
const MAX_PAGES = 50;

export const VILLAGE_QUERY = `
query VillageList($filter: CatalogFilter, $asOf: DateTime, $first: PageSize, $after: CatalogCursor) {
  catalog(filter: $filter, asOf: $asOf, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node { id version domain unit category name subname content timeLimit body channels audience audienceNote method publishedAt }
    }
  }
}`;

export async function villageView(route, site) {
  const unit = route.params.get('unit') || '';
  const asOf = isTime(route.params.get('asOf')) ? route.params.get('asOf') : '';
  const variables = compact({ filter: { level: 'VILLAGE', unit }, asOf, first: PAGE });
  let body;
  try {
    body = groups(await everyItem(variables), site, asOf);
  } catch (error) {
    body = [h('p', { class: 'error', role: 'alert' }, `查询失败：${error.message}`)];
  }
  const heading = unit ? `${unit}村级公开事项清单` : '村级公开事项清单';
  return {
    title: heading,
    feed: { params: { level: 'village', unit }, label: unit ? `${unit}村级公开事项` : '村级公开事项' },
    nodes: [
      h(
        'div',
        { class: 'village-list' },
        h('h1', { tabindex: '-1' }, heading),
        h(
          'p',
          { class: 'lead' },
          `以下是公开层级包含“${label('Level', 'VILLAGE')}”的事项，供嘎查村公示栏、微信群等张贴使用。`,
          '同一事项在旗、镇、嘎查村各级公开的内容相同，均以本目录公布的版本为准。',
        ),
        h(
          'p',
          { class: 'as-of-line' },
          asOf
            ? `本清单为${formatDateTime(asOf)}有效的目录。`
            : `本清单为当前有效的目录，生成于${formatDate(new Date().toISOString())}。`,
        ),
        unitForm(unit, asOf, site),
        body,
      ),
      queryNote(VILLAGE_QUERY, variables),
    ],
  };
}

/** Every page of the filtered catalog, following the cursors. */
async function everyItem(variables) {
  const items = [];
  let after = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const data = await request(VILLAGE_QUERY, after ? { ...variables, after } : variables);
    items.push(...data.catalog.edges.map((edge) => edge.node));
    if (!data.catalog.pageInfo.hasNextPage) break;
    after = data.catalog.pageInfo.endCursor;
  }
  return items;
}

function unitForm(unit, asOf, site) {
  const form = h(
    'form',
    { class: 'filters compact no-print', 'aria-label': '选择单位' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'village-unit' }, '单位'),
      h(
        'select',
        { id: 'village-unit', name: 'unit' },
        h('option', { value: '' }, '全部单位'),
        site.units.map((known) => h('option', { value: known.name, selected: known.name === unit }, known.name)),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, '显示清单'),
      h('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, '打印清单'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go(href('/village', { unit: new FormData(form).get('unit'), asOf }), 'heading');
  });
  return form;
}

function groups(items, site, asOf) {
  if (items.length === 0) return [h('p', { class: 'summary' }, '没有村级公开事项。')];
  const order = new Map(site.units.map((unit, index) => [unit.name, index]));
  const byUnit = new Map();
  for (const item of items) {
    if (!byUnit.has(item.unit)) byUnit.set(item.unit, []);
    byUnit.get(item.unit).push(item);
  }
  const units = [...byUnit.keys()].sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9));
  return [
    h('p', { class: 'summary', id: 'village-summary' }, `共 ${items.length} 项，涉及 ${units.length} 个单位。`),
    units.map((unit) => {
      const headingId = `village-${order.get(unit) ?? unit}`;
      return h(
        'section',
        { class: 'village-unit', 'aria-labelledby': headingId },
        h('h2', { id: headingId }, unit),
        table(byUnit.get(unit), asOf),
      );
    }),
  ];
}

function table(items, asOf) {
  const columns = ['序号', '公开事项', '公开内容（要素）', '公开时限', '公开主体', '公开渠道和载体', '公开对象', '公开方式'];
  return h(
    'table',
    { class: 'village-table' },
    h('thead', {}, h('tr', {}, columns.map((text) => h('th', { scope: 'col' }, text)))),
    h(
      'tbody',
      {},
      items.map((item, index) =>
        h(
          'tr',
          { 'data-item-id': item.id },
          h('td', { 'data-label': '序号', class: 'number' }, String(index + 1)),
          h(
            'th',
            { scope: 'row', 'data-label': '公开事项' },
            h('a', { href: href(`/item/${encodeURIComponent(item.id)}`, { asOf }) }, title(item)),
            item.domain ? h('span', { class: 'category' }, `${item.domain}领域`) : null,
          ),
          h('td', { 'data-label': '公开内容（要素）' }, item.content),
          h('td', { 'data-label': '公开时限' }, item.timeLimit),
          h('td', { 'data-label': '公开主体' }, item.body),
          h('td', { 'data-label': '公开渠道和载体' }, item.channels.join('、')),
          h(
            'td',
            { 'data-label': '公开对象' },
            labelList('Audience', item.audience),
            item.audienceNote ? `（${item.audienceNote}）` : '',
          ),
          h('td', { 'data-label': '公开方式' }, labelList('Method', item.method)),
        ),
      ),
    ),
  );
}
