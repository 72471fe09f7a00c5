// 事项: the items I may see (my unit's for a drafter; what is published or waits at my stage for a reviewer),
// searched by words of the title or id, filtered by status, a page at a time.
import { h, uid } from '../dom.js';
import { formatDateTime } from '../format.js';
import { KINDS, STATUSES } from './labels.js';
import { flashBox, show } from './ui.js';

const PAGE = 50;

export const ITEMS = `
query Items($search: ShortText, $status: ItemStatus, $first: PageSize, $offset: Offset) {
  me { actorId unit roles }
  items(search: $search, status: $status, first: $first, offset: $offset) {
    total
    items { id title status domain unit version publishedVersion pendingKind rejection updatedAt }
  }
}`;

/** The listing's state in the address: #/items?search=…&status=…&page=2. */
export function itemsQuery(params) {
  const page = Math.max(1, Number(params.get('page')) || 1);
  return {
    search: params.get('search') || null,
    status: params.get('status') || null,
    first: PAGE,
    offset: (page - 1) * PAGE,
    page,
  };
}

function address(search, status, page) {
  const params = new URLSearchParams();
  if (search) params.set('search', search);
  if (status) params.set('status', status);
  if (page > 1) params.set('page', String(page));
  const text = params.toString();
  return `#/items${text ? `?${text}` : ''}`;
}

export function itemsView(data, wanted, flash) {
  document.documentElement.dataset.view = 'items';
  const { total, items } = data.items;
  const searchId = uid('search');
  const statusId = uid('status');
  const form = h(
    'form',
    { class: 'filters', id: 'item-search', role: 'search' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: searchId }, '事项名称或编号'),
      h('input', { id: searchId, name: 'search', type: 'search', value: wanted.search ?? '' }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: statusId }, '状态'),
      h(
        'select',
        { id: statusId, name: 'status' },
        h('option', { value: '' }, '全部'),
        Object.entries(STATUSES)
          .filter(([value]) => value !== 'NEW')
          .map(([value, text]) => h('option', { value, selected: value === wanted.status }, text)),
      ),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, '查找')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = address(form.elements.search.value.trim(), form.elements.status.value, 1);
  });
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const from = total ? wanted.offset + 1 : 0;
  const to = wanted.offset + items.length;
  const rows = items.map((item) =>
    h(
      'tr',
      { 'data-item-id': item.id },
      h(
        'th',
        { scope: 'row' },
        h('a', { href: `#/item/${encodeURIComponent(item.id)}` }, item.title || item.id),
        h('br'),
        h('small', {}, item.id),
      ),
      h('td', { 'data-label': '状态' }, STATUSES[item.status] ?? item.status, item.pendingKind ? `（${KINDS[item.pendingKind]}）` : ''),
      h('td', { 'data-label': '单位' }, item.unit),
      h('td', { 'data-label': '领域' }, item.domain || '—'),
      h('td', { 'data-label': '版本' }, `第 ${item.version} 版`, item.publishedVersion ? h('br') : null,
        item.publishedVersion ? h('small', {}, `公开：第 ${item.publishedVersion} 版`) : null),
      h('td', { 'data-label': '最近办理' }, formatDateTime(item.updatedAt)),
    ),
  );
  const nav = [];
  if (wanted.page > 1) {
    nav.push(h('a', { href: address(wanted.search, wanted.status, wanted.page - 1), rel: 'prev' }, '上一页'));
  }
  if (wanted.page < pages) {
    nav.push(h('a', { href: address(wanted.search, wanted.status, wanted.page + 1), rel: 'next' }, '下一页'));
  }
  show(
    '事项',
    flashBox(flash),
    h('p', { class: 'lead' }, '您可以查看的事项：本单位的事项，以及已公布或等待您所在环节办理的事项。'),
    form,
    h('p', { class: 'summary', id: 'items-summary', role: 'status' },
      total ? `共 ${total} 项，第 ${from}–${to} 项（第 ${wanted.page}/${pages} 页）。` : '没有符合条件的事项。'),
    items.length
      ? h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'items-table' },
            h('caption', { class: 'visually-hidden' }, '事项列表'),
            h('thead', {}, h('tr', {}, ['事项', '状态', '单位', '领域', '版本', '最近办理'].map((text) =>
              h('th', { scope: 'col' }, text)))),
            h('tbody', {}, rows),
          ),
        )
      : null,
    nav.length ? h('nav', { class: 'pager', 'aria-label': '翻页' }, nav) : null,
  );
}
