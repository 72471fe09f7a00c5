// 起草 / 修改 / 变更 / 取消: the forms that write a version. Every element of the official table; 领域 from the
// jurisdiction profile; the standard channels as checkboxes plus free text. While the form is filled in, the staff
// API's `check` says what the rules would refuse (the same rules and words as on submission), before anything is sent.
import { h, uid } from '../dom.js';
import { CHOICES, ELEMENTS, KINDS, titleOf } from './labels.js';
import { staffRequest } from './session.js';
import { Command, Conflict, SessionEnded, ended, errorBox, flashBox, refusalText, show } from './ui.js';

export const VOCABULARY = `
  vocabulary { jurisdiction domains { name responsibleUnit pilot } units { name kind } channels portal triggers }`;

const CHECK = `
query Check(
  $itemId: ItemId, $domain: ShortText, $unit: ShortText, $trigger: String, $reason: String, $elements: ElementsInput!
) {
  check(itemId: $itemId, domain: $domain, unit: $unit, trigger: $trigger, reason: $reason, elements: $elements) {
    code rule field message text
  }
}`;

const OTHER = '__other__';
const TEXTS = {
  category: { hint: '如：财政预决算' },
  name: { hint: '如：政府预算；没有二级事项时可只填一级事项' },
  subname: { hint: '可不填' },
  content: { rows: 4, hint: '公开的具体内容和要素' },
  basis: { rows: 3, hint: '法律法规和规范性文件，如：《中华人民共和国预算法》' },
  timeLimit: { hint: '如：信息形成或者变更之日起20个工作日内' },
  body: { hint: '负责公开的单位，如：旗财政局' },
  audienceNote: { hint: '公开对象含特定群体时必填，如：低保对象' },
};
// Which fields a refusal of each rule concerns (for aria-invalid and the mark beside the field).
const RULE_FIELDS = { 公开时限: ['timeLimit'], 网站优先: ['channels'], 特定群体: ['audienceNote'], 目录领域: ['domain'], 起草主体: ['domain'] };
const REQUIRED = ['content', 'basis', 'timeLimit', 'body', 'channels', 'audience', 'method', 'levels'];

function empty(portal) {
  return {
    category: '', name: '', subname: '', content: '', basis: '', timeLimit: '', body: '',
    channels: [portal], audience: ['PUBLIC'], audienceNote: '', method: ['PROACTIVE'], levels: ['COUNTY'],
  };
}

function field(label, control, hintText) {
  const hint = hintText ? h('small', { class: 'hint', id: uid('hint') }, hintText) : null;
  if (hint) control.setAttribute('aria-describedby', hint.id);
  control.id ||= uid(control.name || 'field');
  return h('div', { class: 'field', 'data-field': control.name }, h('label', { for: control.id }, label), control, hint);
}

function checkboxes(name, legend, choices, chosen, extra = null) {
  return h(
    'fieldset',
    { class: 'choices', 'data-field': name },
    h('legend', {}, legend),
    choices.map(([value, text]) => {
      const id = uid(name);
      return h(
        'span',
        { class: 'choice' },
        h('input', { type: 'checkbox', id, name, value, checked: chosen.includes(value) }),
        h('label', { for: id }, text),
      );
    }),
    extra,
  );
}

/** The element controls, filled with `elements` (API shape); `channels` are the vocabulary's standard ones. */
function elementControls(elements, vocabulary) {
  const text = (name, label) => {
    const options = TEXTS[name] ?? {};
    const control = options.rows
      ? h('textarea', { name, rows: options.rows }, elements[name])
      : h('input', { name, value: elements[name] });
    return field(label, control, options.hint);
  };
  const standard = vocabulary.channels;
  const others = elements.channels.filter((channel) => !standard.includes(channel));
  const otherChannels = field(
    '其他渠道和载体',
    h('input', { name: 'otherChannels', value: others.join('、') }),
    '不在上面的渠道，用顿号（、）分隔',
  );
  return ELEMENTS.map(([name, label]) => {
    switch (name) {
      case 'channels':
        return checkboxes(
          'channels',
          `${label}（政府网站必选）`,
          standard.map((channel) => [channel, channel]),
          elements.channels,
          otherChannels,
        );
      case 'audience':
      case 'method':
      case 'levels':
        return checkboxes(name, label, CHOICES[name], elements[name]);
      default:
        return text(name, label);
    }
  });
}

/** The form's elements; the channels in the order `before` lists them (a re-ordering is no change), new ones after. */
function readElements(form, vocabulary, before = []) {
  const value = (name) => form.elements[name].value.trim();
  const checked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((box) => box.value);
  const others = value('otherChannels')
    .split(/[、,，;；\n]/)
    .map((part) => part.trim())
    .filter(Boolean);
  const chosen = [...checked('channels'), ...others.filter((other) => !vocabulary.channels.includes(other))];
  const rank = (channel) => (before.includes(channel) ? before.indexOf(channel) : before.length);
  const channels = chosen
    .map((channel, index) => [rank(channel), index, channel])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, , channel]) => channel);
  return {
    category: value('category'),
    name: value('name'),
    subname: value('subname'),
    content: value('content'),
    basis: value('basis'),
    timeLimit: value('timeLimit'),
    body: value('body'),
    channels,
    audience: checked('audience'),
    audienceNote: value('audienceNote'),
    method: checked('method'),
    levels: checked('levels'),
  };
}

/** The elements of `now` that differ from `before` (what a revision or an adjustment changes). */
function changed(before, now) {
  return Object.fromEntries(
    Object.entries(now).filter(([name, value]) => JSON.stringify(value) !== JSON.stringify(before[name] ?? '')),
  );
}

function domainControl(vocabulary) {
  const select = h(
    'select',
    { name: 'domain', required: true },
    h('option', { value: '' }, '请选择领域'),
    vocabulary.domains.map((domain) =>
      h('option', { value: domain.name }, domain.pilot ? `${domain.name}（${domain.responsibleUnit}）` : domain.name),
    ),
    h('option', { value: OTHER }, '其他领域……'),
  );
  const other = h('input', { name: 'otherDomain', placeholder: '如：网络安全' });
  const otherField = field('其他领域名称', other, '26个试点领域以外的领域');
  otherField.hidden = true;
  select.addEventListener('change', () => {
    otherField.hidden = select.value !== OTHER;
  });
  const itemId = h('input', { name: 'itemId', autocomplete: 'off', spellcheck: 'false' });
  return [
    field('领域', select, '试点领域的事项由括号中的责任单位起草；乡镇（苏木）起草本级事项'),
    otherField,
    field('事项编号（可不填）', itemId, '不填则自动生成；填写时须在本目录中唯一，如：czj-yusuan'),
  ];
}

function domainOf(form) {
  const chosen = form.elements.domain.value;
  if (chosen !== OTHER) return chosen;
  const other = form.elements.otherDomain.value.trim();
  return other ? `其他：${other}` : '';
}

function triggerControls(vocabulary, reasonRequired) {
  const select = h(
    'select',
    { name: 'trigger', required: true },
    h('option', { value: '' }, '请选择调整原因'),
    vocabulary.triggers.map((trigger) => h('option', { value: trigger }, trigger)),
    h('option', { value: OTHER }, '其他……'),
  );
  const other = h('input', { name: 'otherTrigger', placeholder: '发生了什么' });
  const otherField = field('其他调整原因', other);
  otherField.hidden = true;
  select.addEventListener('change', () => {
    otherField.hidden = select.value !== OTHER;
  });
  const reason = h('textarea', { name: 'reason', rows: 3 });
  return [
    field('调整原因（触发情形）', select, '动态调整须说明触发情形'),
    otherField,
    field(reasonRequired ? '具体说明（必填）' : '具体说明', reason, '如：依据的法规已修订，公开时限随之调整'),
  ];
}

function triggerOf(form) {
  const chosen = form.elements.trigger.value;
  if (chosen !== OTHER) return chosen;
  const other = form.elements.otherTrigger.value.trim();
  return other ? `其他：${other}` : '';
}

/** The problems panel: what the rules say now, updated as the form changes. */
function problemsPanel() {
  const list = h('ul', { class: 'problems' });
  // Only the count is announced, and only when it changes: the whole list at every keystroke would drown a reader.
  const state = h('p', { class: 'check-state', role: 'status' }, '正在检查……');
  const panel = h(
    'section',
    { class: 'check', id: 'form-check', 'aria-labelledby': 'check-heading' },
    h('h2', { id: 'check-heading' }, '提交前检查'),
    state,
    list,
  );
  panel.render = (problems) => {
    const said = problems.length
      ? `还有 ${problems.length} 个问题，解决后才能提交审查（可先保存为草稿）：`
      : '已符合提交审查的要求。';
    if (panel.dataset.problems !== String(problems.length) || state.textContent !== said) state.textContent = said;
    panel.dataset.problems = String(problems.length);
    list.replaceChildren(...problems.map((p) => h('li', { 'data-rule': p.rule || p.field || '' }, refusalText([p]))));
    panel.classList.toggle('has-problems', problems.length > 0);
  };
  return panel;
}

function markFields(form, problems, elements) {
  const bad = new Set();
  for (const problem of problems) {
    for (const name of RULE_FIELDS[problem.rule] ?? []) bad.add(name);
    if (problem.code === 'INVALID' && problem.field) bad.add(problem.field.split('.').pop());
    if (problem.rule === '要素完整') {
      for (const name of REQUIRED) if (!elements[name]?.length) bad.add(name);
      if (!elements.name && !elements.category) bad.add('name');
    }
  }
  for (const holder of form.querySelectorAll('[data-field]')) {
    const invalid = bad.has(holder.dataset.field);
    holder.classList.toggle('invalid', invalid);
    for (const control of holder.querySelectorAll('input, select, textarea')) {
      if (invalid) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    }
  }
}

/**
 * The form of `mode`: 'draft' (a new item), 'revise' (a draft, or a pending adjustment, of mine) or 'adjust' (变更 of
 * a published item). `done(itemId, flash)` shows the item afterwards.
 */
export function elementsFormView({ mode, me, vocabulary, item, flash, done }) {
  document.documentElement.dataset.view = `form-${mode}`;
  const base =
    mode === 'draft' ? empty(vocabulary.portal) : mode === 'adjust' ? item.published.elements : item.pending.elements;
  const initial = { ...base };
  const problems = problemsPanel();
  const failure = errorBox();
  const save = h('button', { type: 'submit', class: 'button secondary', 'data-act': 'save' }, '保存草稿');
  const send = h('button', { type: 'submit', class: 'button', 'data-act': 'submit' }, '保存并提交审查');
  const form = h(
    'form',
    { class: 'item-form', id: 'item-form', novalidate: true },
    mode === 'draft' ? domainControl(vocabulary) : null,
    mode === 'adjust' ? triggerControls(vocabulary, false) : null,
    h('fieldset', { class: 'elements-fieldset' }, h('legend', {}, '公开事项要素'), elementControls(base, vocabulary)),
    problems,
    failure,
    h('div', { class: 'actions' }, save, send),
  );
  const commands = {
    draft: new Command('draftItem'),
    revise: new Command('reviseItem'),
    adjust: new Command('proposeAdjustment'),
    submit: new Command('submitItem'),
  };
  let latest = [];
  let checking = 0;
  let timer = null;

  async function check() {
    const ticket = ++checking;
    const elements = readElements(form, vocabulary, initial.channels);
    const variables = { elements };
    if (mode === 'draft') {
      Object.assign(variables, { domain: domainOf(form) || null, unit: me.unit });
      if (form.elements.itemId.value.trim()) variables.itemId = form.elements.itemId.value.trim();
    }
    else variables.itemId = item.id;
    if (mode === 'adjust') Object.assign(variables, { trigger: triggerOf(form), reason: form.elements.reason.value.trim() });
    let found;
    try {
      found = (await staffRequest(CHECK, variables)).check;
    } catch {
      return; // the check is a help: the mutation itself decides, and says why
    }
    if (ticket !== checking) return;
    if (mode === 'draft' && !domainOf(form)) {
      found = [{ code: 'RULE', rule: '目录领域', text: '请选择领域（或填写其他领域的名称）。' }, ...found];
    }
    latest = found;
    problems.render(found);
    markFields(form, found, elements);
  }
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  };
  form.addEventListener('input', soon);
  form.addEventListener('change', soon);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const submitting = event.submitter === send;
    failure.say('');
    clearTimeout(timer);
    await check();
    if (submitting && latest.length) {
      failure.say('还不能提交审查：请先解决“提交前检查”中列出的问题，或先保存为草稿。');
      problems.querySelector('h2').scrollIntoView({ block: 'start' });
      return;
    }
    const elements = readElements(form, vocabulary, initial.channels);
    save.disabled = send.disabled = true;
    let itemId = item?.id;
    let version = item?.streamVersion;
    let saved = false;
    try {
      if (mode === 'draft') {
        const chosen = form.elements.itemId.value.trim();
        const domain = domainOf(form);
        const payload = await commands.draft.send({ itemId: chosen || null, domain: domain || null, unit: me.unit, elements });
        itemId = payload.receipt.itemId;
        version = payload.item?.streamVersion;
        saved = true;
      } else {
        const changes = changed(initial, elements);
        if (mode === 'adjust') {
          const trigger = triggerOf(form);
          const reason = form.elements.reason.value.trim();
          const payload = await commands.adjust.send({
            itemId, expectedVersion: version, trigger, reason, elements: changes,
          });
          version = payload.item?.streamVersion;
          saved = true;
        } else if (Object.keys(changes).length) {
          const payload = await commands.revise.send({ itemId, expectedVersion: version, elements: changes });
          version = payload.item?.streamVersion;
          saved = true;
        }
      }
      if (submitting) {
        await commands.submit.send({ itemId, expectedVersion: version });
        done(itemId, { tone: 'notice', text: '已保存并提交审查，等待初审。' });
      } else {
        done(itemId, { tone: 'notice', text: saved ? '草稿已保存。' : '没有改动，无需保存。' });
      }
    } catch (problem) {
      save.disabled = send.disabled = false;
      if (problem instanceof SessionEnded) ended(problem);
      else if (saved) {
        // What was saved stays saved: the item's page offers 提交审查 again, so that nothing is written twice.
        done(itemId, { tone: 'error', text: `已保存为草稿，但提交审查未成功：${problem.message || problem}` });
      } else if (problem instanceof Conflict) done(item.id, { tone: 'error', text: problem.message });
      else failure.say(problem.message || String(problem));
    }
  });

  const titles = { draft: '起草新事项', revise: '修改草稿', adjust: '变更已公布事项' };
  const intro = {
    draft: `起草本单位（${me.unit}）的事项。可以先保存为草稿，要素齐全后再提交审查。`,
    revise: `修改 ${item?.id ?? ''} 的${item?.pending ? KINDS[item.pending.kind] : ''}版本，保存后可提交审查。`,
    adjust: `为已公布的事项 ${item?.id ?? ''} 提出变更：只需修改有变化的要素。公众在变更公布前看到的仍是现行版本。`,
  };
  const back = item ? h('p', { class: 'back' }, h('a', { href: `#/item/${encodeURIComponent(item.id)}` }, '← 返回事项')) : null;
  const facts = item?.pending && item.pending.kind !== 'ADD'
    ? h('p', { class: 'notice' }, `调整原因：${item.pending.trigger}${item.pending.reason ? `；说明：${item.pending.reason}` : ''}`)
    : null;
  show(titles[mode], back, flashBox(flash), h('p', { class: 'lead' }, intro[mode]), facts, form);
  check();
}

/** 取消: propose taking a published item out of the public catalog, with the trigger and the reason. */
export function retireFormView({ vocabulary, item, done }) {
  document.documentElement.dataset.view = 'form-retire';
  const failure = errorBox();
  const save = h('button', { type: 'submit', class: 'button secondary', 'data-act': 'save' }, '保存取消申请');
  const send = h('button', { type: 'submit', class: 'button', 'data-act': 'submit' }, '保存并提交审查');
  const form = h(
    'form',
    { class: 'item-form', id: 'retire-form', novalidate: true },
    triggerControls(vocabulary, true),
    failure,
    h('div', { class: 'actions' }, save, send),
  );
  const propose = new Command('proposeRetirement');
  const submit = new Command('submitItem');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const trigger = triggerOf(form);
    const reason = form.elements.reason.value.trim();
    if (!trigger || !reason) {
      failure.say('取消须选择调整原因并填写具体说明。');
      (trigger ? form.elements.reason : form.elements.trigger).focus();
      return;
    }
    save.disabled = send.disabled = true;
    let saved = false;
    try {
      const payload = await propose.send({ itemId: item.id, expectedVersion: item.streamVersion, trigger, reason });
      saved = true;
      if (event.submitter === send) {
        await submit.send({ itemId: item.id, expectedVersion: payload.item?.streamVersion });
        done(item.id, { tone: 'notice', text: '取消申请已提交审查。公布前，公众看到的仍是现行版本。' });
      } else {
        done(item.id, { tone: 'notice', text: '取消申请已保存，尚未提交审查。' });
      }
    } catch (problem) {
      save.disabled = send.disabled = false;
      if (problem instanceof SessionEnded) ended(problem);
      else if (saved) done(item.id, { tone: 'error', text: `取消申请已保存，但提交审查未成功：${problem.message || problem}` });
      else if (problem instanceof Conflict) done(item.id, { tone: 'error', text: problem.message });
      else failure.say(problem.message || String(problem));
    }
  });
  show(
    `取消事项：${titleOf(item.published.elements) || item.id}`,
    h('p', { class: 'back' }, h('a', { href: `#/item/${encodeURIComponent(item.id)}` }, '← 返回事项')),
    h('p', { class: 'lead' }, '取消须经初审、合法性审查、审议后公布；公布前，公众看到的仍是现行版本，公布后该事项标为已取消，历史记录保留。'),
    form,
  );
}
