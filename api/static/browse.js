// Browsing by domain (领域) and by unit (单位), with the number of published items of each.
import { h } from './dom.js';
import { isTime, unitKind } from './format.js';
import { queryNote, request } from './graphql.js';
import { href } from './route.js';

const DOMAINS_QUERY = 'query Domains { domains { name responsibleUnit aliases itemCount } }';
const UNITS_QUERY = 'query Units { units { name kind itemCount } }';

function asOfOf(route) {
  return isTime(route.params.get('asOf')) ? route.params.get('asOf') : '';
}

function countNote(asOf) {
  return asOf ? h('p', { class: 'hint' }, '事项数为当前数量；点击后按所选日期显示当时的目录。') : null;
}

function countLink(count, params) {
  return h('a', { href: href('/', params) }, count === 0 ? '查看（暂无）' : `${count} 项`);
}

export async function domainsView(route) {
  const asOf = asOfOf(route);
  const { domains } = await request(DOMAINS_QUERY);
  return {
    title: '按领域浏览',
    nodes: [
      h('h1', { tabindex: '-1' }, '按领域浏览'),
      h('p', { class: 'lead' }, `基层政务公开标准化规范化试点领域共 ${domains.length} 个，每个领域由一个责任单位牵头编制目录。`),
      countNote(asOf),
      h(
        'table',
        { class: 'browse-table' },
        h('caption', { class: 'visually-hidden' }, '试点领域及其已公布事项数'),
        h(
          'thead',
          {},
          h('tr', {}, ['领域', '责任单位', '又称', '已公布事项'].map((text) => h('th', { scope: 'col' }, text))),
        ),
        h(
          'tbody',
          {},
          domains.map((domain) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row', 'data-label': '领域' }, domain.name),
              h('td', { 'data-label': '责任单位' }, domain.responsibleUnit),
              h('td', { 'data-label': '又称' }, domain.aliases.join('、') || '—'),
              h('td', { 'data-label': '已公布事项' }, countLink(domain.itemCount, { domain: domain.name, asOf })),
            ),
          ),
        ),
      ),
      queryNote(DOMAINS_QUERY, {}),
    ],
  };
}

export async function unitsView(route) {
  const asOf = asOfOf(route);
  const { units } = await request(UNITS_QUERY);
  const kinds = [];
  for (const unit of units) if (!kinds.includes(unit.kind)) kinds.push(unit.kind);
  return {
    title: '按单位浏览',
    nodes: [
      h('h1', { tabindex: '-1' }, '按单位浏览'),
      h('p', { class: 'lead' }, '各部门、各镇和中心分别编制本单位的公开事项目录。'),
      countNote(asOf),
      kinds.map((kind) =>
        h(
          'section',
          { class: 'unit-kind', 'aria-labelledby': `units-${kind}` },
          h('h2', { id: `units-${kind}` }, unitKind(kind)),
          h(
            'table',
            { class: 'browse-table' },
            h(
              'thead',
              {},
              h('tr', {}, ['单位', '已公布事项'].map((text) => h('th', { scope: 'col' }, text))),
            ),
            h(
              'tbody',
              {},
              units
                .filter((unit) => unit.kind === kind)
                .map((unit) =>
                  h(
                    'tr',
                    {},
                    h('th', { scope: 'row', 'data-label': '单位' }, unit.name),
                    h('td', { 'data-label': '已公布事项' }, countLink(unit.itemCount, { unit: unit.name, asOf })),
                  ),
                ),
            ),
          ),
        ),
      ),
      queryNote(UNITS_QUERY, {}),
    ],
  };
}
