// The staff workbench (工作台): sign in, what waits for me (我的待办), an item with its timeline, sign out.
import { h, replace, uid } from '../dom.js';
import { formatDateTime } from '../format.js';
import {
  ApiError,
  SessionEnded,
  SignInRefused,
  freshKey,
  holdsSession,
  signIn,
  signOut,
  staffRequest,
} from './session.js';

const ME = 'me { actorId unit roles }';

const QUEUE = `
query Queue {
  ${ME}
  queue { itemId step stepLabel unit domain title version kind waitingSince workingDays rejection }
}`;

const ELEMENTS = 'category name subname content basis timeLimit body channels audience audienceNote method levels';
const CHANGES = 'changes { field label old new }';
const ITEM = `
query Item($id: ItemId!) {
  ${ME}
  item(id: $id) {
    id status domain unit version streamVersion nextStep
    published { version publishedAt approvalReference elements { ${ELEMENTS} } }
    pending { version kind trigger reason approvalReference rejection elements { ${ELEMENTS} } }
    ${CHANGES}
    history {
      position version action actionLabel recordedAt occurredAt actor unit role reason channel credential
      backfilledBy ${CHANGES}
    }
  }
}`;

// What a mutation answers: what was recorded (nothing, when userErrors says why) and the item afterwards.
const RESULT =
  'receipt { itemId version position replayed } item { id status streamVersion } userErrors { code rule field message }';
const MUTATIONS = {
  pass: `mutation Pass($input: PassReviewInput!) { result: passReview(input: $input) { ${RESULT} } }`,
  reject: `mutation Reject($input: RejectReviewInput!) { result: rejectReview(input: $input) { ${RESULT} } }`,
  approve: `mutation Approve($input: ApproveItemInput!) { result: approveItem(input: $input) { ${RESULT} } }`,
  publish: `mutation Publish($input: PublishItemInput!) { result: publishItem(input: $input) { ${RESULT} } }`,
};

// The desk of each step an item waits for: who acts there (a role), and the stage the review mutations name.
const DESKS = {
  preliminary_review: { role: 'preliminary_reviewer', stage: 'PRELIMINARY', label: '初审' },
  legality_review: { role: 'legality_reviewer', stage: 'LEGALITY', label: '合法性审查' },
  approval: { role: 'approver', stage: 'APPROVAL', label: '审议' },
  publication: { role: 'publisher', label: '公布' },
};

const ROLES = {
  drafter: '起草人',
  preliminary_reviewer: '初审人',
  legality_reviewer: '合法性审查人',
  approver: '审议人',
  publisher: '发布人',
  admin: '管理员',
};
const STATUSES = {
  NEW: '未起草',
  DRAFT: '梳理中',
  SUBMITTED: '待初审',
  PRELIMINARY_REVIEWED: '待合法性审查',
  LEGALITY_REVIEWED: '待审议',
  APPROVED: '待公布',
  PUBLISHED: '已公布',
  RETIRED: '已取消',
  DISCARDED: '已废弃',
};
const KINDS = { ADD: '增加', CHANGE: '变更', CANCEL: '取消' };
const CHANNELS = { CLI: '命令行（由服务器操作员声明）', SESSION: '工作台登录会话', TOKEN: '接口令牌' };
const STEPS = {
  draft: '梳理',
  revise: '修改',
  preliminary_review: '初审',
  legality_review: '合法性审查',
  approval: '审议',
  publication: '公布',
};
const ELEMENT_LABELS = [
  ['category', '一级事项'],
  ['name', '二级事项'],
  ['subname', '三级事项'],
  ['content', '公开内容（要素）'],
  ['basis', '公开依据'],
  ['timeLimit', '公开时限'],
  ['body', '公开主体'],
  ['channels', '公开渠道和载体'],
  ['audience', '公开对象'],
  ['audienceNote', '特定群体'],
  ['method', '公开方式'],
  ['levels', '公开层级'],
];
const VALUES = {
  PUBLIC: '全社会',
  SPECIFIC_GROUP: '特定群体',
  PROACTIVE: '主动',
  ON_REQUEST: '依申请',
  COUNTY: '县级',
  TOWNSHIP: '乡级',
  VILLAGE: '村级',
};

const main = () => document.getElementById('main');
let drawing = 0;

function roleText(role) {
  return ROLES[String(role).toLowerCase()] ?? role;
}

/** An element's value as people read it: 全社会 for PUBLIC (a change gives the stored value, public). */
function valueText(value) {
  if (value === null || value === undefined || value === '') return '（无）';
  if (Array.isArray(value)) return value.length ? value.map(valueText).join('、') : '（无）';
  if (typeof value === 'object') return JSON.stringify(value);
  return VALUES[String(value).toUpperCase()] ?? String(value);
}

function announce(text) {
  document.getElementById('announce').textContent = text;
}

/** Draw a view into <main> and move the focus to its heading, so that a screen reader hears where it is. */
function show(title, ...content) {
  const heading = h('h1', { tabindex: '-1' }, title);
  replace(main(), heading, ...content);
  document.title = `${title} · 工作台`;
  heading.focus();
  document.documentElement.dataset.drawn = String(Number(document.documentElement.dataset.drawn || 0) + 1);
}

function signedIn(me) {
  document.getElementById('staff-nav').hidden = false;
  const roles = me.roles.map(roleText).join('、');
  document.getElementById('signed-in-as').textContent = `${me.actorId}（${me.unit}，${roles}）`;
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
    h(
      'div',
      { class: 'field' },
      h('label', { for: nameId }, '姓名'),
      h('input', { id: nameId, name: 'name', autocomplete: 'username', required: true }),
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: passwordId }, '密码'),
      h('input', {
        id: passwordId,
        name: 'password',
        type: 'password',
        autocomplete: 'current-password',
        required: true,
      }),
    ),
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

async function queueView() {
  const data = await staffRequest(QUEUE);
  signedIn(data.me);
  const entries = [...data.queue].sort((a, b) => Date.parse(a.waitingSince) - Date.parse(b.waitingSince));
  document.documentElement.dataset.view = 'queue';
  if (!entries.length) {
    show('我的待办', h('p', { id: 'queue-empty' }, '目前没有等待您处理的事项。'));
    return;
  }
  const rows = entries.map((entry) =>
    h(
      'tr',
      { 'data-item-id': entry.itemId },
      h(
        'th',
        { scope: 'row' },
        h('a', { href: `#/item/${encodeURIComponent(entry.itemId)}`, class: 'item-link' }, entry.title || entry.itemId),
        h('br'),
        h('small', {}, entry.itemId),
      ),
      h('td', {}, entry.stepLabel || STEPS[entry.step] || entry.step),
      h('td', {}, entry.unit),
      h('td', {}, entry.domain),
      h('td', {}, `第 ${entry.version} 版（${KINDS[entry.kind] ?? entry.kind}）`),
      h('td', {}, formatDateTime(entry.waitingSince)),
      h('td', { class: 'number' }, `${entry.workingDays} 个工作日`),
      h('td', {}, entry.rejection || '—'),
    ),
  );
  show(
    '我的待办',
    h('p', { class: 'summary', id: 'queue-summary' }, `共 ${entries.length} 项等待您处理，最早的排在最前。`),
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
          ['事项', '环节', '单位', '领域', '版本', '等待起始', '已等待', '退回原因'].map((text) =>
            h('th', { scope: 'col' }, text),
          ),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

function elementList(elements) {
  return h(
    'dl',
    { class: 'elements' },
    ELEMENT_LABELS.map(([field, text]) => [h('dt', {}, text), h('dd', {}, valueText(elements[field]))]),
  );
}

function changeList(changes) {
  if (!changes.length) return null;
  return h(
    'ul',
    { class: 'changes' },
    changes.map((change) =>
      h('li', {}, `${change.label}：${valueText(change.old)} → ${valueText(change.new)}`),
    ),
  );
}

function timeline(history) {
  return h(
    'ol',
    { class: 'timeline', id: 'timeline' },
    history.map((step) => {
      const facts = [
        ['时间', formatDateTime(step.recordedAt)],
        step.occurredAt !== step.recordedAt ? ['实际发生', formatDateTime(step.occurredAt)] : null,
        ['操作人', step.actor],
        ['单位', step.unit],
        ['角色', roleText(step.role)],
        ['渠道', CHANNELS[step.channel] ?? step.channel],
        step.backfilledBy ? ['补录人', step.backfilledBy] : null,
        ['说明', step.reason || '—'],
      ].filter(Boolean);
      const changes = changeList(step.changes);
      return h(
        'li',
        { 'data-action': step.action },
        h('h3', {}, step.actionLabel, step.version ? `（第 ${step.version} 版）` : ''),
        h(
          'dl',
          {},
          facts.map(([term, text]) => [h('dt', {}, term), h('dd', {}, text)]),
          changes ? [h('dt', {}, '改动'), h('dd', {}, changes)] : null,
        ),
      );
    }),
  );
}

async function itemView(id, flash = null) {
  const data = await staffRequest(ITEM, { id });
  signedIn(data.me);
  document.documentElement.dataset.view = 'item';
  const item = data.item;
  const back = h('p', { class: 'back' }, h('a', { href: '#/' }, '← 返回我的待办'));
  if (!item) {
    show('未找到事项', back, h('p', { class: 'notice' }, `没有编号为 ${id} 的事项，或您无权查看它。`));
    return;
  }
  const current = item.pending ?? item.published;
  const name = current?.elements.name || item.id;
  const facts = h(
    'dl',
    { class: 'elements', id: 'item-facts' },
    h('dt', {}, '事项编号'),
    h('dd', {}, item.id),
    h('dt', {}, '状态'),
    h('dd', {}, STATUSES[item.status] ?? item.status),
    h('dt', {}, '下一步'),
    h('dd', {}, item.nextStep ? (STEPS[item.nextStep] ?? item.nextStep) : '—'),
    h('dt', {}, '领域'),
    h('dd', {}, item.domain),
    h('dt', {}, '单位'),
    h('dd', {}, item.unit),
    h('dt', {}, '版本'),
    h('dd', {}, `第 ${item.version} 版`),
  );
  const sections = [back];
  if (flash) {
    const error = flash.tone === 'error';
    sections.push(
      h('p', { class: error ? 'error' : 'notice', id: 'item-flash', role: error ? 'alert' : 'status' }, flash.text),
    );
  }
  sections.push(facts);
  if (item.pending?.rejection) {
    sections.push(h('p', { class: 'notice' }, `退回原因：${item.pending.rejection}`));
  }
  if (current) {
    const which = item.pending ? `待审版本（第 ${item.pending.version} 版，${KINDS[item.pending.kind]}）` : `已公布版本（第 ${item.published.version} 版）`;
    sections.push(h('section', { 'aria-labelledby': 'elements-heading' }, h('h2', { id: 'elements-heading' }, `当前要素：${which}`), elementList(current.elements)));
  }
  if (item.pending && item.changes.length) {
    sections.push(
      h(
        'section',
        { 'aria-labelledby': 'changes-heading' },
        h('h2', { id: 'changes-heading' }, item.published ? '与已公布版本相比的改动' : '新增事项的要素'),
        changeList(item.changes),
      ),
    );
  }
  sections.push(deskSection(item, data.me));
  sections.push(
    h(
      'section',
      { 'aria-labelledby': 'timeline-heading' },
      h('h2', { id: 'timeline-heading' }, '办理记录'),
      h('p', { class: 'hint' }, '时间均为北京时间，最早的在前。'),
      timeline(item.history),
    ),
  );
  show(name, ...sections);
}

/** The roles of the signed-in actor, as lower-case keys (drafter, preliminary_reviewer, ...). */
function rolesOf(me) {
  return new Set(me.roles.map((role) => String(role).toLowerCase()));
}

/** What the actor may do with the item here and now: the desk of its next step, if they hold its role; else null. */
function deskSection(item, me) {
  const desk = DESKS[item.nextStep];
  if (!desk || !rolesOf(me).has(desk.role)) return null;
  const errorId = uid('desk-error');
  const error = h('p', { class: 'error', id: errorId, role: 'alert' });
  error.hidden = true;
  const fields = [];
  let comment = null;
  let reference = null;
  if (desk.stage === 'APPROVAL') {
    const referenceId = uid('reference');
    reference = h('input', { id: referenceId, name: 'reference', 'aria-describedby': errorId });
    fields.push(h('div', { class: 'field' }, h('label', { for: referenceId }, '审议会议或文件（通过时必填）'), reference));
  }
  if (desk.stage) {
    const commentId = uid('comment');
    comment = h('textarea', { id: commentId, name: 'comment', rows: 3, 'aria-describedby': errorId });
    fields.push(h('div', { class: 'field' }, h('label', { for: commentId }, `${desk.label}意见（退回时必填）`), comment));
  }
  const buttons = [];
  const button = (text, kind, onClick) => {
    const look = kind === 'reject' ? 'button secondary' : 'button';
    const made = h('button', { type: 'button', class: look, 'data-act': kind }, text);
    made.addEventListener('click', onClick);
    buttons.push(made);
  };

  function refuse(text) {
    error.textContent = text;
    error.hidden = false;
  }

  async function act(kind, input, done) {
    error.hidden = true;
    for (const each of buttons) each.disabled = true;
    const variables = { input: { itemId: item.id, expectedVersion: item.streamVersion, ...input } };
    let result;
    try {
      result = (await staffRequest(MUTATIONS[kind], variables, { 'Idempotency-Key': freshKey() })).result;
    } catch (problem) {
      for (const each of buttons) each.disabled = false;
      if (problem instanceof SessionEnded) {
        signInView(problem.message);
        return;
      }
      refuse(`未能办理：${problem instanceof ApiError ? problem.message : String(problem)}`);
      return;
    }
    if (result.userErrors.some((e) => e.code === 'CONFLICT' && e.field === 'expectedVersion')) {
      await draw({ tone: 'error', text: '该事项已被他人修改，本次操作未执行。已重新加载最新内容，请核对后再办理。' });
      return;
    }
    if (result.userErrors.length) {
      for (const each of buttons) each.disabled = false;
      refuse(
        result.userErrors
          .map((e) => (e.rule ? `不符合“${e.rule}”规则：${e.message}` : `未能办理：${e.message}`))
          .join('；'),
      );
      return;
    }
    announce(done(result.receipt));
    await draw({ tone: 'notice', text: done(result.receipt) });
  }

  const said = () => comment?.value.trim() ?? '';
  if (desk.stage === 'APPROVAL') {
    button('通过', 'approve', () => {
      const cited = reference.value.trim();
      if (!cited) {
        refuse('请填写审议通过所依据的会议或文件，再点“通过”。');
        reference.focus();
        return;
      }
      act('approve', { reference: cited, comment: said() }, () => `已审议通过（依据：${cited}）。`);
    });
  } else if (desk.stage) {
    button('通过', 'pass', () => act('pass', { stage: desk.stage, comment: said() }, () => `${desk.label}已通过。`));
  }
  if (desk.stage) {
    button('退回', 'reject', () => {
      if (!said()) {
        refuse('退回须填写意见，说明需要修改什么。');
        comment.focus();
        return;
      }
      act('reject', { stage: desk.stage, comment: said() }, () => `已退回起草人修改。${desk.label}意见：${said()}`);
    });
  } else {
    button('公布', 'publish', () =>
      act('publish', {}, (receipt) =>
        `已公布（第 ${receipt.version} 版），记录在日志第 ${receipt.position} 号位置。` +
        '工作台接口目前不提供签名检查点（树大小、根哈希、签名时间），可在公开页面或用 registry head 核验。',
      ),
    );
  }
  return h(
    'section',
    { 'aria-labelledby': 'desk-heading', id: 'desk', class: 'desk' },
    h('h2', { id: 'desk-heading' }, `办理：${desk.label}`),
    fields,
    error,
    h('div', { class: 'actions' }, buttons),
  );
}

async function draw(flash = null) {
  const ticket = ++drawing;
  if (!holdsSession()) {
    signInView();
    return;
  }
  const hash = location.hash || '#/';
  try {
    if (hash.startsWith('#/item/') && hash.length > 7) await itemView(decodeURIComponent(hash.slice(7)), flash);
    else await queueView();
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
  const skip = document.getElementById('skip-link');
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    main().focus();
  });
  document.getElementById('sign-out').addEventListener('click', async () => {
    await signOut();
    announce('已退出');
    history.replaceState(null, '', '#/');
    signInView();
  });
  window.addEventListener('hashchange', () => draw());
  await draw();
  document.documentElement.dataset.ready = 'true';
}

boot();
