// 事项: one item as the actor may see it: its facts, the pending version beside the published one (changed elements
// marked), the trigger and reason of an adjustment, the review comments so far, what the actor may do with it now,
// and its timeline (who, unit, role, channel, when, why, what changed).
import { h, uid } from '../dom.js';
import { formatDateTime } from '../format.js';
import { ELEMENTS, KINDS, PROOFS, STATUSES, STEPS, roleText, titleOf, valueText } from './labels.js';
import { Command, Conflict, SessionEnded, ended, errorBox, flashBox, show } from './ui.js';

const FIELDS = 'category name subname content basis timeLimit body channels audience audienceNote method levels';
const CHANGES = 'changes { field label old new }';
export const ITEM = `
query Item($id: ItemId!) {
  me { actorId unit roles }
  item(id: $id) {
    id status domain unit version streamVersion nextStep
    published { version publishedAt approvalReference elements { ${FIELDS} } }
    pending { version kind trigger reason approvalReference rejection elements { ${FIELDS} } }
    ${CHANGES}
    history {
      position version action actionLabel recordedAt occurredAt actor unit role reason channel credential
      backfilledBy ${CHANGES}
    }
  }
}`;

// The desk of each step an item waits for: who acts there (a role), and the stage the review mutations name.
const DESKS = {
  preliminary_review: { role: 'preliminary_reviewer', stage: 'PRELIMINARY', label: '初审' },
  legality_review: { role: 'legality_reviewer', stage: 'LEGALITY', label: '合法性审查' },
  approval: { role: 'approver', stage: 'APPROVAL', label: '审议' },
  publication: { role: 'publisher', label: '公布' },
};
// The steps whose comment is a review comment (审查意见).
const REVIEWS = new Set([
  'preliminary_review_passed',
  'legality_review_passed',
  'preliminary_rejected',
  'legality_rejected',
  'approval_rejected',
  'approve',
]);

/** The roles of the signed-in actor, as lower-case keys (drafter, preliminary_reviewer, ...). */
export function rolesOf(me) {
  return new Set(me.roles.map((role) => String(role).toLowerCase()));
}

/** Whether `me` drafts for the item's unit (起草, 修改, 变更, 取消 are theirs). */
export function draftsFor(me, item) {
  return rolesOf(me).has('drafter') && me.unit === item.unit;
}

const path = (item, tail = '') => `#/item/${encodeURIComponent(item.id)}${tail}`;

function elementList(elements) {
  return h(
    'dl',
    { class: 'elements' },
    ELEMENTS.map(([field, text]) => [h('dt', {}, text), h('dd', {}, valueText(elements[field]))]),
  );
}

/** The pending version beside the published one, each element on a row; the changed ones marked (not by colour
 * alone: the row says 已改动). */
function comparison(item) {
  const { pending, published } = item;
  const changed = new Set(item.changes.map((change) => change.field));
  const cancel = pending.kind === 'CANCEL';
  const heads = published
    ? ['要素', `已公布（第 ${published.version} 版）`, cancel ? '取消后' : `待审（第 ${pending.version} 版，${KINDS[pending.kind]}）`]
    : ['要素', `待审（第 ${pending.version} 版，新增）`];
  const rows = ELEMENTS.map(([field, label]) => {
    const differs = !cancel && published && changed.has(field);
    const cells = [
      h('th', { scope: 'row' }, label, differs ? h('span', { class: 'changed-mark' }, '（已改动）') : null),
    ];
    if (published) cells.push(h('td', { class: 'old' }, valueText(published.elements[field])));
    cells.push(h('td', { class: 'new' }, cancel ? '（不再公开）' : valueText(pending.elements[field])));
    return h('tr', { class: differs ? 'changed' : null, 'data-field': field }, cells);
  });
  const count = cancel ? 0 : published ? changed.size : 0;
  return h(
    'section',
    { 'aria-labelledby': 'compare-heading', id: 'comparison' },
    h('h2', { id: 'compare-heading' }, published ? '待审版本与已公布版本对照' : '新增事项的要素'),
    published && !cancel ? h('p', { class: 'hint' }, `改动了 ${count} 项要素，已标出“已改动”。`) : null,
    cancel ? h('p', { class: 'notice' }, '这是取消申请：公布后该事项从公开目录中撤下，标为已取消，历史保留。') : null,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'compare' },
        h('caption', { class: 'visually-hidden' }, '要素对照'),
        h('thead', {}, h('tr', {}, heads.map((text) => h('th', { scope: 'col' }, text)))),
        h('tbody', {}, rows),
      ),
    ),
  );
}

function reviewComments(history) {
  const said = history.filter((step) => REVIEWS.has(step.action) && step.reason);
  if (!said.length) return null;
  return h(
    'section',
    { 'aria-labelledby': 'reviews-heading', id: 'review-comments' },
    h('h2', { id: 'reviews-heading' }, '审查意见'),
    h(
      'ul',
      { class: 'reviews' },
      said.map((step) =>
        h(
          'li',
          { 'data-action': step.action },
          h('strong', {}, `${step.actionLabel}（第 ${step.version} 版）`),
          ` ${step.actor}（${step.unit}），${formatDateTime(step.recordedAt)}：`,
          step.reason,
        ),
      ),
    ),
  );
}

function changeList(changes) {
  if (!changes.length) return null;
  return h(
    'ul',
    { class: 'changes' },
    changes.map((change) => h('li', {}, `${change.label}：${valueText(change.old)} → ${valueText(change.new)}`)),
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
        ['渠道', PROOFS[step.channel] ?? step.channel],
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

/** A checkpoint as people check it: its tree size, root, and when and by which key it was signed. */
function checkpointText(checkpoint) {
  if (!checkpoint) return '';
  return (
    `签名检查点：树大小 ${checkpoint.size}，根哈希 ${checkpoint.root}，签名时间 ${formatDateTime(checkpoint.signedAt)}，` +
    `公钥 ${checkpoint.publicKey.slice(0, 16)}…`
  );
}

/** A form of buttons for one kind of work on the item; `run(kind)` carries out the one clicked. */
function deskBox(id, title, fields, buttons, failure) {
  return h(
    'section',
    { 'aria-labelledby': `${id}-heading`, id, class: 'desk' },
    h('h2', { id: `${id}-heading` }, title),
    fields,
    failure,
    h('div', { class: 'actions' }, buttons),
  );
}

/** What the actor may do with the item at its next step, if they hold its role (the rules decide the rest). */
function reviewDesk(item, me, redraw) {
  const desk = DESKS[item.nextStep];
  if (!desk || !rolesOf(me).has(desk.role)) return null;
  const failure = errorBox();
  const fields = [];
  let comment = null;
  let reference = null;
  if (desk.stage === 'APPROVAL') {
    reference = h('input', { id: uid('reference'), name: 'reference' });
    fields.push(h('div', { class: 'field' }, h('label', { for: reference.id }, '审议会议或文件（通过时必填）'), reference));
  }
  if (desk.stage) {
    comment = h('textarea', { id: uid('comment'), name: 'comment', rows: 3 });
    fields.push(h('div', { class: 'field' }, h('label', { for: comment.id }, `${desk.label}意见（退回时必填）`), comment));
  }
  const buttons = [];
  const act = actor(item, redraw, failure, buttons);
  const button = (text, kind, onClick) => {
    const made = h('button', { type: 'button', class: kind === 'reject' ? 'button secondary' : 'button', 'data-act': kind }, text);
    made.addEventListener('click', onClick);
    buttons.push(made);
  };
  const said = () => comment?.value.trim() ?? '';
  const commands = {
    pass: new Command('passReview'),
    reject: new Command('rejectReview'),
    approve: new Command('approveItem'),
    publish: new Command('publishItem'),
  };
  if (desk.stage === 'APPROVAL') {
    button('通过', 'approve', () => {
      const cited = reference.value.trim();
      if (!cited) {
        failure.say('请填写审议通过所依据的会议或文件，再点“通过”。');
        reference.focus();
        return;
      }
      act(commands.approve, { reference: cited, comment: said() }, () => `已审议通过（依据：${cited}）。`);
    });
  } else if (desk.stage) {
    button('通过', 'pass', () => act(commands.pass, { stage: desk.stage, comment: said() }, () => `${desk.label}已通过。`));
  }
  if (desk.stage) {
    button('退回', 'reject', () => {
      if (!said()) {
        failure.say('退回须填写意见，说明需要修改什么。');
        comment.focus();
        return;
      }
      act(commands.reject, { stage: desk.stage, comment: said() }, () => `已退回起草人修改。${desk.label}意见：${said()}`);
    });
  } else {
    const what = item.pending?.kind === 'CANCEL' ? '取消' : '公布';
    button(what === '取消' ? '公布取消' : '公布', 'publish', () =>
      act(commands.publish, {}, (receipt) =>
        `${what === '取消' ? '已取消公布' : `已公布（第 ${receipt.version} 版）`}，记录在日志第 ${receipt.position} 号位置。` +
        (receipt.checkpoint ? checkpointText(receipt.checkpoint) : '（此位置尚无签名检查点）'),
      ),
    );
  }
  return deskBox('desk', `办理：${desk.label}`, fields, buttons, failure);
}

/** Carry out `command` on the item with `input`, then redraw it with what happened (or why not). */
function actor(item, redraw, failure, buttons) {
  return async (command, input, done) => {
    failure.say('');
    for (const each of buttons) each.disabled = true;
    try {
      const payload = await command.send({ itemId: item.id, expectedVersion: item.streamVersion, ...input });
      await redraw({ tone: 'notice', text: done(payload.receipt), checkpoint: payload.receipt.checkpoint });
    } catch (problem) {
      for (const each of buttons) each.disabled = false;
      if (problem instanceof SessionEnded) ended(problem);
      else if (problem instanceof Conflict) await redraw({ tone: 'error', text: problem.message });
      else failure.say(problem.message || String(problem));
    }
  };
}

/** What the item's own drafters may do: revise or submit a draft, withdraw it, or adjust or retire what is published. */
function ownerDesk(item, me, redraw) {
  if (!draftsFor(me, item)) return null;
  const failure = errorBox();
  const buttons = [];
  const act = actor(item, redraw, failure, buttons);
  const links = [];
  if (item.status === 'DRAFT') {
    if (item.pending.kind !== 'CANCEL') links.push(h('a', { class: 'button', href: path(item, '/edit'), 'data-act': 'edit' }, '修改'));
    const submit = h('button', { type: 'button', class: 'button', 'data-act': 'submit' }, '提交审查');
    submit.addEventListener('click', () => act(new Command('submitItem'), {}, () => '已提交审查，等待初审。'));
    const withdraw = h('button', { type: 'button', class: 'button secondary', 'data-act': 'discard' },
      item.published ? '撤回调整' : '废弃草稿');
    const discard = new Command('discardItem');
    withdraw.addEventListener('click', () => {
      const what = item.published ? '撤回这项调整（已公布的版本不受影响）' : '废弃这份草稿（记录保留，不可恢复）';
      if (!window.confirm(`确定要${what}吗？`)) return;
      act(discard, {}, () => (item.published ? '已撤回调整。' : '草稿已废弃。'));
    });
    buttons.push(submit, withdraw);
  } else if (item.status === 'PUBLISHED') {
    links.push(
      h('a', { class: 'button', href: path(item, '/adjust'), 'data-act': 'adjust' }, '变更'),
      h('a', { class: 'button secondary', href: path(item, '/retire'), 'data-act': 'retire' }, '取消'),
    );
  } else {
    return null;
  }
  return deskBox('owner-desk', '本单位的办理', null, [...links, ...buttons], failure);
}

export function itemView(data, id, flash, redraw) {
  document.documentElement.dataset.view = 'item';
  const item = data.item;
  const back = h('p', { class: 'back' }, h('a', { href: '#/' }, '← 返回我的待办'), ' · ', h('a', { href: '#/items' }, '全部事项'));
  if (!item) {
    show('未找到事项', back, h('p', { class: 'notice', id: 'not-found' }, `没有编号为 ${id} 的事项，或您无权查看它。`));
    return;
  }
  const current = item.pending ?? item.published;
  const name = (current && titleOf(current.elements)) || item.id;
  const facts = h(
    'dl',
    { class: 'elements', id: 'item-facts' },
    [
      ['事项编号', item.id],
      ['状态', STATUSES[item.status] ?? item.status],
      ['下一步', item.nextStep ? (STEPS[item.nextStep] ?? item.nextStep) : '—'],
      ['领域', item.domain || '—'],
      ['单位', item.unit],
      ['版本', `第 ${item.version} 版`],
    ].map(([term, text]) => [h('dt', {}, term), h('dd', {}, text)]),
  );
  const sections = [back, flashBox(flash)];
  if (flash?.checkpoint) sections.push(h('p', { class: 'checkpoint', id: 'checkpoint' }, checkpointText(flash.checkpoint)));
  sections.push(facts);
  if (item.pending?.rejection) sections.push(h('p', { class: 'notice', id: 'rejection' }, `退回原因：${item.pending.rejection}`));
  if (item.pending && item.pending.kind !== 'ADD') {
    sections.push(
      h('p', { class: 'notice', id: 'adjustment' },
        `${KINDS[item.pending.kind]}的触发情形：${item.pending.trigger}`,
        item.pending.reason ? `；说明：${item.pending.reason}` : ''),
    );
  }
  if (item.pending) sections.push(comparison(item));
  else if (item.published) {
    sections.push(
      h('section', { 'aria-labelledby': 'elements-heading' },
        h('h2', { id: 'elements-heading' }, `已公布版本（第 ${item.published.version} 版）`),
        elementList(item.published.elements)),
    );
  }
  sections.push(reviewComments(item.history), reviewDesk(item, data.me, redraw), ownerDesk(item, data.me, redraw));
  sections.push(
    h(
      'section',
      { 'aria-labelledby': 'timeline-heading' },
      h('h2', { id: 'timeline-heading' }, '办理记录'),
      h('p', { class: 'hint' }, '时间按本地区的时区显示，最早的在前。'),
      timeline(item.history),
    ),
  );
  show(name, ...sections);
}
