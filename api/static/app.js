// The reference portal page: boots from one GraphQL query, then draws the view the URL hash names.
import { accountView, accountsView, withUnitAccounts } from './accounts.js';
import { domainsView, unitsView } from './browse.js';
import { catalogView } from './catalog.js';
import { h, replace } from './dom.js';
import { formatDateTime, isTime, setLabels, setZone } from './format.js';
import { request } from './graphql.js';
import { itemView } from './item.js';
import { listen, showFeed } from './push.js';
import { current, href, takeFocusWish } from './route.js';
import { villageView } from './village.js';

const SITE_QUERY = `
query Site {
  labels { enum value label }
  domains { name responsibleUnit aliases itemCount }
  units { name kind itemCount }
  log { position headHash }
  jurisdiction { name timezone }
}`;

const VIEWS = [
  { nav: 'catalog', matches: (path) => path === '/', draw: withUnitAccounts(catalogView) },
  { nav: 'catalog', matches: (path) => path.startsWith('/item/') && path.length > 6, draw: itemView },
  { nav: 'domains', matches: (path) => path === '/domains', draw: domainsView },
  { nav: 'units', matches: (path) => path === '/units', draw: unitsView },
  { nav: 'village', matches: (path) => path === '/village', draw: villageView },
  { nav: 'accounts', matches: (path) => path === '/accounts', draw: accountsView },
  { nav: 'accounts', matches: (path) => path.startsWith('/account/') && path.length > 9, draw: accountView },
];

const site = { domains: [], units: [], lastList: '#/' };
let drawing = 0;

async function boot() {
  const main = document.getElementById('main');
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  try {
    const data = await request(SITE_QUERY);
    setLabels(data.labels);
    setZone(data.jurisdiction.timezone);
    site.domains = data.domains;
    site.units = data.units;
    document.getElementById('log-position').textContent = String(data.log.position);
    document.getElementById('log-hash').textContent = data.log.headHash;
  } catch (error) {
    replace(
      main,
      h('h1', { tabindex: '-1' }, '政务公开事项标准目录'),
      h('p', { class: 'error', role: 'alert' }, `无法加载目录：${error.message}`),
    );
    return;
  }
  window.addEventListener('hashchange', () => draw(false));
  await draw(true);
  listen(() => draw(false));
  document.documentElement.dataset.ready = 'true';
}

async function draw(initial) {
  const route = current();
  if (!route) return; // an in-page anchor, not a view
  const ticket = ++drawing;
  const focus = takeFocusWish();
  const view = VIEWS.find((candidate) => candidate.matches(route.path));
  const main = document.getElementById('main');
  const asOf = isTime(route.params.get('asOf')) ? route.params.get('asOf') : '';
  main.setAttribute('aria-busy', 'true');
  let drawn;
  try {
    drawn = view
      ? await view.draw(route, site)
      : {
          title: '页面不存在',
          nodes: [
            h('h1', { tabindex: '-1' }, '页面不存在'),
            h('p', {}, h('a', { href: '#/' }, '返回目录查询')),
          ],
        };
  } catch (error) {
    drawn = {
      title: '出错了',
      nodes: [
        h('h1', { tabindex: '-1' }, '出错了'),
        h('p', { class: 'error', role: 'alert' }, `无法获取数据：${error.message}`),
      ],
    };
  }
  if (ticket !== drawing) return; // a later navigation has drawn or will draw
  replace(main, drawn.nodes);
  main.removeAttribute('aria-busy');
  document.title = `${drawn.title} · 政务公开专区`;
  showFeed(drawn.feed);
  markNavigation(view ? view.nav : '', asOf);
  showAsOf(route, asOf);
  if (!initial) {
    const target = (focus === 'results' && main.querySelector('#results-heading')) || main.querySelector('h1');
    (target || main).focus();
  }
  document.documentElement.dataset.view = view ? view.nav : 'none';
  document.documentElement.dataset.drawn = String(ticket); // lets scripts that drive the page wait for a view
}

/** The navigation marks the current section and keeps the chosen date. */
function markNavigation(section, asOf) {
  for (const link of document.querySelectorAll('[data-nav]')) {
    const path = { catalog: '/', domains: '/domains', units: '/units', village: '/village', accounts: '/accounts' }[
      link.dataset.nav
    ];
    // The account list is the current one: it has no asOf.
    link.setAttribute('href', href(path, { asOf: link.dataset.nav === 'accounts' ? '' : asOf }));
    if (link.dataset.nav === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function showAsOf(route, asOf) {
  const banner = document.getElementById('asof-banner');
  if (!asOf) {
    banner.hidden = true;
    banner.replaceChildren();
    return;
  }
  const params = new URLSearchParams(route.params);
  params.delete('asOf');
  params.delete('page');
  replace(
    banner,
    h(
      'div',
      { class: 'wrap' },
      h('strong', {}, '历史目录：'),
      `您正在查看${formatDateTime(asOf)}有效的目录，不是当前目录。`,
      h('a', { href: href(route.path, Object.fromEntries(params)) }, '返回当前目录'),
    ),
  );
  banner.hidden = false;
}

boot();
