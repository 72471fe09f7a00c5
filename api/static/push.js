// Following the catalog: the Atom feed of what the reader is looking at (the <link rel="alternate"> in the head and
// the visible 订阅 link), and a notice when a change is published while the page is open (the live stream).
import { title } from './catalog.js';
import { h, replace } from './dom.js';

export const FEED = '/feeds/changes.atom';
export const STREAM = '/changes/stream';
const DONE = { ADD: '已增加', CHANGE: '已变更', CANCEL: '已取消' };

/** The feed of the changes `params` select (domain, unit, level, village, kind; empty ones left out). */
export function feedUrl(params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value) query.set(key, String(value));
  }
  const text = query.toString();
  return `${FEED}${text ? `?${text}` : ''}`;
}

/** Point the page's feed links at the feed of the view: `feed` = {params, label}, e.g. label 社会救助领域. */
export function showFeed(feed = {}) {
  const url = feedUrl(feed.params);
  const text = feed.label ? `订阅“${feed.label}”的变化（Atom）` : '订阅目录变化（Atom）';
  const alternate = document.getElementById('feed-alternate');
  alternate.setAttribute('href', url);
  alternate.setAttribute('title', text);
  const link = document.getElementById('feed-link');
  link.setAttribute('href', url);
  link.textContent = text;
}

/**
 * Listen to the live stream while the page is open. Each change published meanwhile shows in the notice (a status
 * region, read out by screen readers) with a button that draws the view again (`redraw`) and clears it.
 */
export function listen(redraw) {
  if (!('EventSource' in window)) return;
  const notice = document.getElementById('change-notice');
  let count = 0;
  const source = new EventSource(STREAM);
  source.addEventListener('message', (message) => {
    let change;
    try {
      change = JSON.parse(message.data).data;
    } catch {
      return; // not one of ours
    }
    count += 1;
    const what = `“${title(change.item)}”${DONE[change.kind] ?? '已调整'}`;
    replace(
      notice,
      h(
        'div',
        { class: 'wrap' },
        count > 1 ? `目录有 ${count} 项新变化，最近一项：${what}。` : `目录有新变化：${what}。`,
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              count = 0;
              replace(notice);
              redraw();
            },
          },
          '刷新',
        ),
      ),
    );
  });
  window.addEventListener('pagehide', () => source.close());
}
