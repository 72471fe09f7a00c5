// One item: every element of the published version (or the one in force at asOf), and its public history; for a
// retired item, its retirement (when, why, on whose approval) and the last version it took out of the catalog.
import { title } from './catalog.js';
import { h } from './dom.js';
import { formatDate, formatDateTime, isTime, label, labelList } from './format.js';
import { queryNote, request } from './graphql.js';
import { itemHref } from './route.js';

export const ITEM_QUERY = `
query Item($id: ItemId!, $asOf: DateTime) {
  item(id: $id, asOf: $asOf) { ...Shown }
  retirement(id: $id, asOf: $asOf) {
    version retiredAt trigger reason approvalReference approvedBy approvedAt backfilled
    lastVersion { ...Shown }
  }
}

fragment Shown on CatalogItem {
  id version domain unit category name subname content basis timeLimit body channels
  audience audienceNote method levels publishedAt approvalReference
  history { version publishedAt changeKind reason backfilled }
}`;

export async function itemView(route, site) {
  const id = decodeURIComponent(route.path.slice('/item/'.length));
  const asOf = isTime(route.params.get('asOf')) ? route.params.get('asOf') : '';
  const variables = asOf ? { id, asOf } : { id };
  const back = h('p', { class: 'back' }, h('a', { href: site.lastList || '#/' }, '← 返回目录'));
  let item;
  let retirement;
  try {
    ({ item, retirement } = await request(ITEM_QUERY, variables));
  } catch (error) {
    return {
      title: '公开事项',
      nodes: [
        back,
        h('h1', { tabindex: '-1' }, '公开事项'),
        h('p', { class: 'error', role: 'alert' }, `查询失败：${error.message}`),
      ],
    };
  }
  if (!item && retirement) {
    return retiredView(retirement, asOf, back, variables);
  }
  if (!item) {
    return {
      title: '未找到公开事项',
      nodes: [
        back,
        h('h1', { tabindex: '-1' }, '未找到公开事项'),
        h(
          'p',
          {},
          asOf
            ? `在${formatDateTime(asOf)}，编号为“${id}”的事项不在公开目录中，也没有取消记录：它当时尚未公布。`
            : `编号为“${id}”的事项不在公开目录中，也没有取消记录：它尚未公布，或编号有误。`,
        ),
        asOf ? h('p', {}, h('a', { href: itemHref(id, '') }, '查看该事项的当前版本')) : null,
        queryNote(ITEM_QUERY, variables),
      ],
    };
  }
  return {
    title: title(item),
    nodes: [
      back,
      h(
        'article',
        { class: 'item', 'aria-labelledby': 'item-heading' },
        h('p', { class: 'kicker' }, [item.domain ? `${item.domain}领域` : '', item.unit].filter(Boolean).join(' · ')),
        h('h1', { id: 'item-heading', tabindex: '-1' }, title(item)),
        h(
          'p',
          { class: 'version-line' },
          `第 ${item.version} 版，${formatDate(item.publishedAt)}公布`,
          item.approvalReference ? `，审议依据：${item.approvalReference}` : '',
          '。',
        ),
        asOf ? asOfNote(item, asOf) : null,
        h('h2', {}, '事项要素'),
        elements(item),
        history(item, asOf),
      ),
      queryNote(ITEM_QUERY, variables),
    ],
  };
}

/** A retired item: that it left the catalog, when, why and on whose approval, then the last published version. */
function retiredView(retirement, asOf, back, variables) {
  const last = retirement.lastVersion;
  const why = [retirement.trigger, retirement.reason].filter(Boolean).join('：') || '—';
  const approval = [retirement.approvedBy, retirement.approvalReference].filter(Boolean).join('，') || '—';
  return {
    title: `${title(last)}（已取消）`,
    nodes: [
      back,
      h(
        'article',
        { class: 'item retired', 'aria-labelledby': 'item-heading' },
        h('p', { class: 'kicker' }, [last.domain ? `${last.domain}领域` : '', last.unit].filter(Boolean).join(' · ')),
        h('h1', { id: 'item-heading', tabindex: '-1' }, title(last), h('span', { class: 'retired-mark' }, '（已取消）')),
        h(
          'section',
          { class: 'retirement notice', 'aria-labelledby': 'retirement-heading' },
          h('h2', { id: 'retirement-heading' }, '该事项已取消'),
          h(
            'p',
            {},
            `该事项已于${formatDateTime(retirement.retiredAt)}从公开目录中取消（第 ${retirement.version} 版：取消）`,
            retirement.backfilled ? '，由管理员事后补录' : '',
            '。下面是它取消前最后公布的版本，仅供查阅，已不再有效。',
          ),
          h(
            'dl',
            { class: 'retirement-facts' },
            h('dt', {}, '取消时间'),
            h('dd', { 'data-fact': 'retired-at' }, formatDateTime(retirement.retiredAt)),
            h('dt', {}, '取消原因'),
            h('dd', { 'data-fact': 'reason' }, why),
            h('dt', {}, '审议'),
            h(
              'dd',
              { 'data-fact': 'approval' },
              approval,
              retirement.approvedAt ? `（${formatDateTime(retirement.approvedAt)}）` : '',
            ),
          ),
          h(
            'p',
            {},
            h('a', { href: '#history-heading', class: 'history-link', onclick: toHistory }, '查看该事项的版本记录'),
          ),
        ),
        h('h2', {}, '最后公布的版本'),
        h(
          'p',
          { class: 'version-line' },
          `第 ${last.version} 版，${formatDate(last.publishedAt)}公布`,
          last.approvalReference ? `，审议依据：${last.approvalReference}` : '',
          '。',
        ),
        elements(last),
        history(last, asOf),
      ),
      queryNote(ITEM_QUERY, variables),
    ],
  };
}

/** The history link moves the focus to the version history (an in-page anchor is not a route here). */
function toHistory(event) {
  event.preventDefault();
  const heading = document.getElementById('history-heading');
  heading.setAttribute('tabindex', '-1');
  heading.focus();
  heading.scrollIntoView({ block: 'start' });
}

function asOfNote(item, asOf) {
  const latest = item.history.filter((entry) => entry.changeKind !== 'CANCEL').at(-1);
  const cancelled = item.history.some((entry) => entry.changeKind === 'CANCEL');
  return h(
    'p',
    { class: 'notice' },
    `这是${formatDateTime(asOf)}有效的版本。`,
    cancelled
      ? '该事项此后已被取消。'
      : latest && latest.version !== item.version
        ? [`此后已有第 ${latest.version} 版：`, h('a', { href: itemHref(item.id, '') }, '查看当前版本'), '。']
        : h('a', { href: itemHref(item.id, '') }, '查看当前版本'),
  );
}

function elements(item) {
  const rows = [
    ['领域', item.domain || '（单位自身目录，不属于试点领域）'],
    ['所属单位', item.unit],
    ['一级事项', item.category],
    ['二级事项', item.name],
    ['三级事项', item.subname],
    ['公开内容（要素）', item.content],
    ['公开依据', item.basis],
    ['公开时限', item.timeLimit],
    ['公开主体', item.body],
    [
      '公开渠道和载体',
      item.channels.length ? h('ul', { class: 'channels' }, item.channels.map((channel) => h('li', {}, channel))) : '',
    ],
    [
      '公开对象',
      [
        labelList('Audience', item.audience),
        item.audienceNote ? `（${label('Audience', 'SPECIFIC_GROUP')}：${item.audienceNote}）` : '',
      ].join(''),
    ],
    ['公开方式', labelList('Method', item.method)],
    ['公开层级', labelList('Level', item.levels)],
  ];
  return h(
    'dl',
    { class: 'elements' },
    rows.map(([term, value]) => [
      h('dt', {}, term),
      h('dd', { 'data-element': term }, value === '' ? h('span', { class: 'empty' }, '（无）') : value),
    ]),
  );
}

function history(item, asOf) {
  const moment = asOf ? new Date(asOf).getTime() : null;
  return h(
    'section',
    { class: 'history', 'aria-labelledby': 'history-heading' },
    h('h2', { id: 'history-heading' }, '版本记录'),
    h('p', { class: 'hint' }, '每一次公布、变更和取消都经过初审、合法性审查和审议；这里列出已公布的版本及调整原因。'),
    h(
      'table',
      { class: 'history-table' },
      h('caption', { class: 'visually-hidden' }, '已公布的版本，从早到晚'),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['版本', '公布日期', '调整类型', '调整原因', ''].map((text, index) =>
            h('th', { scope: 'col' }, index === 4 ? h('span', { class: 'visually-hidden' }, '查看') : text),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        item.history.map((entry) => {
          const shown = entry.version === item.version && entry.changeKind !== 'CANCEL';
          const later = moment !== null && new Date(entry.publishedAt).getTime() > moment;
          return h(
            'tr',
            { class: later ? 'later' : null, 'aria-current': shown ? 'true' : null, 'data-version': entry.version },
            h('td', { 'data-label': '版本' }, `第 ${entry.version} 版`),
            h(
              'td',
              { 'data-label': '公布日期' },
              formatDateTime(entry.publishedAt),
              entry.backfilled
                ? h('span', { class: 'backfill-note', title: '由管理员事后补录，日期为当时的公布日期' }, '（补录）')
                : null,
            ),
            h('td', { 'data-label': '调整类型' }, `${label('ChangeKind', entry.changeKind)}`),
            h('td', { 'data-label': '调整原因' }, entry.reason || (entry.changeKind === 'ADD' ? '首次公布' : '—')),
            h(
              'td',
              { 'data-label': '查看' },
              shown
                ? h('strong', {}, '本页所示版本')
                : entry.changeKind === 'CANCEL'
                  ? '已从目录中取消'
                  : h(
                      'a',
                      { href: itemHref(item.id, entry.publishedAt) },
                      `查看第 ${entry.version} 版`,
                    ),
              later ? h('span', { class: 'later-note' }, '（在所选时间之后）') : null,
            ),
          );
        }),
      ),
    ),
  );
}
