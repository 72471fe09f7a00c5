// Hash routes (#/path?key=value): every view has a link, and the back button works.

/** The current route: {path (still URI-encoded), params}; a hash that is not a route ('#main') gives null. */
export function current() {
  const hash = location.hash;
  if (hash === '' || hash === '#' || hash === '#/') return { path: '/', params: new URLSearchParams() };
  if (!hash.startsWith('#/')) return null;
  const [path, query = ''] = hash.slice(1).split('?', 2);
  return { path, params: new URLSearchParams(query) };
}

/** '#/path?…' with the non-empty params, in the order given; `path` must already be URI-encoded. */
export function href(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

export function itemHref(id, asOf) {
  return href(`/item/${encodeURIComponent(id)}`, { asOf });
}

export function accountHref(id, asOf) {
  return href(`/account/${encodeURIComponent(id)}`, { asOf });
}

/** What should have the focus once the next view is drawn: 'heading' (default) or 'results'. */
let wanted = 'heading';

export function go(target, focus = 'heading') {
  wanted = focus;
  if (location.hash === target) {
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = target;
  }
}

/** The focus the last navigation asked for, once; back/forward and typed URLs ask for the heading. */
export function takeFocusWish() {
  const wish = wanted;
  wanted = 'heading';
  return wish;
}
