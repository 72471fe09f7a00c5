// The staff workbench (工作台): sign in, 我的待办, 事项, 起草, 导入, and an item's pages; the address (#/...) says
// which view is shown, so that the browser's back button and a bookmark work.
import { h, uid } from '../dom.js';
import { setZone } from '../format.js';
import { importView } from './import.js';
import { ITEM, draftsFor, itemView } from './item.js';
import { ITEMS, itemsQuery, itemsView } from './items.js';
import { VOCABULARY, elementsFormView, retireFormView } from './form.js';
import { QUEUE, queueView } from './queue.js';
import { roleText } from './labels.js';
import { ApiError, SessionEnded, SignInRefused, holdsSession, signIn, signOut, staffRequest } from './session.js';
import { announce, main, show } from './ui.js';

const ME = 'me { actorId unit roles }';
let drawing = 0;

function signedIn(me) {
  document.getElementById('staff-nav').hidden = false;
  const roles = me.roles.map(roleText).join('、');
  document.getElementById('signed-in-as').textContent = `${me.actorId}（${me.unit}，${roles}）`;
  const drafter = me.roles.some((role) => String(role).toLowerCase() === 'drafter');
  for (const link of document.querySelectorAll('[data-drafter-only]')) link.parentElement.hidden = !drafter;
}

function markNav(view) {
  for (const link of document.querySelectorAll('#staff-nav a[data-nav]')) {
    if (link.dataset.nav === view) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function signInView(message = '') {
  document.getElementById('staff-nav').hidden = true;
  document.documentElement.dataset.view = 'sign-in';
  const nameId = uid('name');
  const passwordId = uid('password');
  const errorId = uid('sign-in-error');
  const error = h('p', { class: 'error', id: errorId, role: 'alert' }, message);
  error.hidden = !message;
  const form = h(
    'form',
    { class: 'sign-in', id: 'sign-in', 'aria-describedby': errorId, novalidate: true },
    h('div', { class: 'field' }, h('label', { for: nameId }, '姓名'),
      h('input', { id: nameId, name: 'name', autocomplete: 'username', required: true })),
    h('div', { class: 'field' }, h('label', { for: passwordId }, '密码'),
      h('input', { id: passwordId, name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    error,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, '登录')),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = form.elements.name.value.trim();
    const password = form.elements.password.value;
    const button = form.querySelector('button');
    if (!name || !password) {
      refused('请填写姓名和密码。');
      return;
    }
    button.disabled = true;
    try {
      await signIn(name, password);
    } catch (problem) {
      button.disabled = false;
      refused(problem instanceof SignInRefused ? problem.message : String(problem));
      return;
    }
    announce('已登录');
    await draw();
  });

  function refused(text) {
    error.textContent = text;
    error.hidden = false;
    form.elements.password.value = '';
    form.elements.password.focus();
  }

  show('工作台登录', h('p', { class: 'lead' }, '请使用管理员为您设置的姓名和密码登录。'), form);
  form.elements.name.focus();
}

/** The view the address names: [name, argument, params]. */
function route() {
  const hash = location.hash || '#/';
  const [path, query = ''] = hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts[0] === 'item' && parts[1]) return [parts[2] ?? 'item', parts[1], params];
  return [parts[0] ?? 'queue', null, params];
}

const open = (itemId, flash) => {
  const target = `#/item/${encodeURIComponent(itemId)}`;
  if (location.hash === target) draw(flash);
  else {
    pendingFlash = flash;
    location.hash = target;
  }
};
let pendingFlash = null;

async function draw(flash = null) {
  const ticket = ++drawing;
  flash = flash ?? pendingFlash;
  pendingFlash = null;
  if (!holdsSession()) {
    signInView();
    return;
  }
  const [view, itemId, params] = route();
  markNav(view);
  try {
    switch (view) {
      case 'items': {
        const wanted = itemsQuery(params);
        const { page, ...variables } = wanted;
        const data = await staffRequest(ITEMS, variables);
        if (ticket !== drawing) return;
        signedIn(data.me);
        itemsView(data, wanted, flash);
        break;
      }
      case 'draft': {
        const data = await staffRequest(`query Draft { ${ME} ${VOCABULARY} }`);
        if (ticket !== drawing) return;
        signedIn(data.me);
        elementsFormView({ mode: 'draft', me: data.me, vocabulary: data.vocabulary, flash, done: open });
        break;
      }
      case 'import': {
        const data = await staffRequest(`query Import { ${ME} ${VOCABULARY} }`);
        if (ticket !== drawing) return;
        signedIn(data.me);
        importView({ me: data.me, vocabulary: data.vocabulary, flash });
        break;
      }
      case 'item':
      case 'edit':
      case 'adjust':
      case 'retire': {
        const data = await staffRequest(
          view === 'item' ? ITEM : ITEM.replace('query Item($id: ItemId!) {', `query Item($id: ItemId!) { ${VOCABULARY}`),
          { id: itemId },
        );
        if (ticket !== drawing) return;
        signedIn(data.me);
        const item = data.item;
        const allowed =
          item && draftsFor(data.me, item) &&
          ((view === 'edit' && item.status === 'DRAFT' && item.pending.kind !== 'CANCEL') ||
            (view !== 'edit' && item.status === 'PUBLISHED'));
        if (view === 'item' || !allowed) {
          itemView(data, itemId, view === 'item' ? flash : { tone: 'error', text: '该事项现在不能这样办理。' }, (next) => draw(next));
        } else if (view === 'retire') {
          retireFormView({ vocabulary: data.vocabulary, item, done: open });
        } else {
          elementsFormView({ mode: view === 'edit' ? 'revise' : 'adjust', me: data.me, vocabulary: data.vocabulary, item, flash, done: open });
        }
        break;
      }
      default: {
        const data = await staffRequest(`query Queue { ${ME} ${QUEUE} }`);
        if (ticket !== drawing) return;
        signedIn(data.me);
        queueView(data, flash);
      }
    }
  } catch (problem) {
    if (ticket !== drawing) return;
    if (problem instanceof SessionEnded) {
      signInView(problem.message);
      return;
    }
    const text = problem instanceof ApiError ? problem.message : String(problem);
    show('出错了', h('p', { class: 'error', role: 'alert' }, `无法加载：${text}`), h('p', {}, h('a', { href: '#/' }, '返回我的待办')));
  }
}

async function boot() {
  document.getElementById('skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    main().focus();
  });
  document.getElementById('sign-out').addEventListener('click', async () => {
    await signOut();
    announce('已退出');
    history.replaceState(null, '', '#/');
    signInView('您已退出工作台。');
  });
  window.addEventListener('hashchange', () => draw());
  window.addEventListener('session-ended', (event) => signInView(event.detail));
  try {
    const answer = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ jurisdiction { timezone } }' }),
    });
    setZone((await answer.json()).data.jurisdiction.timezone);
  } catch {
    // the portal's default zone (Asia/Shanghai) stays
  }
  await draw();
  document.documentElement.dataset.ready = 'true';
}

boot();
