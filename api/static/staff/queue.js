// 我的待办: what waits for me, oldest first, with the step's deadline from the jurisdiction profile.
import { h } from '../dom.js';
import { formatDateTime } from '../format.js';
import { KINDS, STEPS, dayText, daysLeftText } from './labels.js';
import { flashBox, show } from './ui.js';

export const QUEUE = `
  queue {
    itemId step stepLabel unit domain title version kind waitingSince workingDays rejection
    deadline workingDaysLeft overdue
  }`;

export function queueView(data, flash) {
  const entries = [...data.queue].sort((a, b) => Date.parse(a.waitingSince) - Date.parse(b.waitingSince));
  document.documentElement.dataset.view = 'queue';
  if (!entries.length) {
    show('我的待办', flashBox(flash), h('p', { id: 'queue-empty' }, '目前没有等待您处理的事项。'));
    return;
  }
  const overdue = entries.filter((entry) => entry.overdue).length;
  const rows = entries.map((entry) =>
    h(
      'tr',
      { 'data-item-id': entry.itemId, class: entry.overdue ? 'is-overdue' : null },
      h(
        'th',
        { scope: 'row' },
        h('a', { href: `#/item/${encodeURIComponent(entry.itemId)}`, class: 'item-link' }, entry.title || entry.itemId),
        h('br'),
        h('small', {}, entry.itemId),
      ),
      h('td', { 'data-label': '环节' }, entry.stepLabel || STEPS[entry.step] || entry.step),
      h('td', { 'data-label': '单位' }, entry.unit),
      h('td', { 'data-label': '领域' }, entry.domain),
      h('td', { 'data-label': '版本' }, `第 ${entry.version} 版（${KINDS[entry.kind] ?? entry.kind}）`),
      h('td', { 'data-label': '等待起始' }, formatDateTime(entry.waitingSince), h('br'), h('small', {}, `已等待 ${entry.workingDays} 个工作日`)),
      h(
        'td',
        { class: entry.overdue ? 'deadline overdue' : 'deadline', 'data-label': '办理期限' },
        dayText(entry.deadline),
        h('br'),
        h('span', { class: 'days-left' }, daysLeftText(entry.workingDaysLeft)),
      ),
      h('td', { 'data-label': '退回原因' }, entry.rejection || '—'),
    ),
  );
  show(
    '我的待办',
    flashBox(flash),
    h(
      'p',
      { class: 'summary', id: 'queue-summary' },
      `共 ${entries.length} 项等待您处理，最早的排在最前`,
      overdue ? h('span', { class: 'overdue' }, `，其中 ${overdue} 项已逾期`) : '',
      '。期限按本地区目录配置的各环节办理时限（工作日）计算。',
    ),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'queue-table' },
        h('caption', { class: 'visually-hidden' }, '等待我处理的事项'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['事项', '环节', '单位', '领域', '版本', '等待起始', '办理期限', '退回原因'].map((text) =>
              h('th', { scope: 'col' }, text),
            ),
          ),
        ),
        h('tbody', {}, rows),
      ),
    ),
  );
}
