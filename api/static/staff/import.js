// 导入: a unit's catalog table (xlsx, xls, csv) checked as `registry import --dry-run` checks it, every problem in a
// table with its row and column; then imported all or nothing. POST /staff/import streams its progress (NDJSON), and
// the upload's own progress shows before it; see docs/staff-api.md.
import { h, uid } from '../dom.js';
import { csrfHeaders } from './session.js';
import { errorBox, flashBox, show } from './ui.js';

const KINDS = '.xlsx,.xls,.csv';
const ACTIONS = {
  draft: '新增草稿',
  revise: '修改草稿',
  adjust: '提出变更',
  unchanged: '无变化',
  duplicate: '重复行',
  invalid: '有错误',
  skipped: '跳过',
};

/**
 * Send `file` to /staff/import; `progress(text, fraction | null)` hears how far it is. Resolves to the final line
 * ({report} or {error}); rejects with an Error whose message is for people.
 */
function upload(file, { unit, domain, dryRun }, progress) {
  return new Promise((resolve, reject) => {
    const params = new URLSearchParams({ unit, filename: file.name, dryRun: String(dryRun) });
    if (domain) params.set('domain', domain);
    const request = new XMLHttpRequest();
    request.open('POST', `/staff/import?${params}`);
    request.setRequestHeader('content-type', 'application/octet-stream');
    request.setRequestHeader('accept', 'application/x-ndjson');
    for (const [name, value] of Object.entries(csrfHeaders())) request.setRequestHeader(name, value);
    let read = 0;
    let last = null;
    let phase = '';
    const lines = () => {
      const text = request.responseText;
      const end = text.lastIndexOf('\n');
      if (end < read) return;
      for (const line of text.slice(read, end).split('\n')) {
        if (!line.trim()) continue;
        const said = JSON.parse(line);
        if (said.phaseText !== undefined || said.phase !== undefined) {
          phase = said.phaseText || said.phase;
          last = { total: said.total, done: 0 };
          progress(phase, said.total ? 0 : null);
        } else if (said.done !== undefined) {
          progress(phase, last?.total ? said.done / last.total : null);
        } else {
          last = said;
          request.final = said;
        }
      }
      read = end + 1;
    };
    request.upload.onprogress = (event) => {
      progress('正在上传文件', event.lengthComputable ? event.loaded / event.total : null);
    };
    request.onprogress = () => {
      if (request.status === 200) lines();
    };
    request.onerror = () => reject(new Error('上传中断：无法连接服务器，请检查网络后重试（试导入不写入任何内容）。'));
    request.onload = () => {
      if (request.status === 200) {
        lines();
        if (request.final) resolve(request.final);
        else reject(new Error('服务器的答复不完整，请重试。'));
        return;
      }
      let said = null;
      try {
        said = JSON.parse(request.responseText);
      } catch {
        // not JSON: the status says it
      }
      const error = said?.error;
      if (request.status === 401) reject(new Error('登录已过期或已退出，请重新登录。'));
      else if (request.status === 413) reject(new Error('文件太大，无法导入。请拆分后分批导入。'));
      else if (error?.rule) reject(new Error(`不符合“${error.rule}”规则：${error.text || error.message}；未导入任何内容。`));
      else if (error) reject(new Error(`${error.text || error.message}；未导入任何内容。`));
      else if (request.status === 403) reject(new Error('请求被拒绝：请刷新页面后重新登录。'));
      else reject(new Error(`导入未成功（HTTP ${request.status}），未导入任何内容。`));
    };
    request.send(file);
  });
}

function problemTable(problems) {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'problems-table', id: 'import-problems' },
      h('caption', {}, `发现 ${problems.length} 个问题`),
      h('thead', {}, h('tr', {}, ['工作表', '行', '列', '严重程度', '问题', '规则'].map((text) => h('th', { scope: 'col' }, text)))),
      h(
        'tbody',
        {},
        problems.map((p) =>
          h(
            'tr',
            { class: p.severity === 'error' ? 'error-row' : 'warning-row', 'data-row': p.row ?? '', 'data-column': p.column ?? '' },
            h('td', {}, p.sheet || '—'),
            h('td', { class: 'number' }, p.row ?? '—'),
            h('td', {}, [p.column ? `${p.column} 列` : '', p.label || ''].filter(Boolean).join('：') || '—'),
            h('td', {}, p.severity === 'error' ? '错误' : '提醒'),
            h('td', {}, p.text || p.message),
            h('td', {}, p.rule || '—'),
          ),
        ),
      ),
    ),
  );
}

function summary(report) {
  const counts = Object.entries(report.counts ?? {})
    .filter(([, count]) => count)
    .map(([action, count]) => `${ACTIONS[action] ?? action} ${count} 行`)
    .join('，');
  return `共 ${report.rows} 行${counts ? `：${counts}` : ''}。`;
}

export function importView({ me, vocabulary, flash }) {
  document.documentElement.dataset.view = 'import';
  const fileId = uid('file');
  const domainId = uid('domain');
  const failure = errorBox();
  const bar = h('progress', { id: 'import-progress', max: 1 });
  const barText = h('span', { id: 'import-progress-text' });
  const progressBox = h('div', { class: 'progress', role: 'status', 'aria-live': 'polite' }, h('label', { for: 'import-progress' }, barText), bar);
  progressBox.hidden = true;
  const result = h('div', { id: 'import-result' });
  const check = h('button', { type: 'submit', class: 'button', 'data-act': 'check' }, '检查（试导入）');
  const form = h(
    'form',
    { class: 'item-form', id: 'import-form', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: fileId }, '目录表格文件'),
      h('input', { id: fileId, name: 'file', type: 'file', accept: KINDS, required: true }),
      h('small', { class: 'hint' }, '支持 .xlsx、.xls、.csv（UTF-8 或 GB18030），表头按标准目录的格式。')),
    h('div', { class: 'field' }, h('label', { for: domainId }, '领域（可不选）'),
      h('select', { id: domainId, name: 'domain' }, h('option', { value: '' }, '按表格标题、分节行或工作表名识别'),
        vocabulary.domains.map((domain) => h('option', { value: domain.name }, domain.name))),
      h('small', { class: 'hint' }, '选定后，表格每一行都归入这个领域。')),
    failure,
    h('div', { class: 'actions' }, check),
  );
  let checked = null; // {file, domain} that passed the dry run

  async function run(dryRun) {
    const file = form.elements.file.files[0];
    const domain = form.elements.domain.value;
    failure.say('');
    if (!file) {
      failure.say('请选择要导入的表格文件。');
      form.elements.file.focus();
      return;
    }
    for (const button of document.querySelectorAll('#import-form button, #import-result button')) button.disabled = true;
    progressBox.hidden = false;
    bar.removeAttribute('value');
    barText.textContent = '正在上传文件';
    let answer;
    try {
      answer = await upload(file, { unit: me.unit, domain, dryRun }, (text, fraction) => {
        barText.textContent = fraction === null ? text : `${text}（${Math.round(fraction * 100)}%）`;
        if (fraction === null) bar.removeAttribute('value');
        else bar.value = fraction;
      });
    } catch (problem) {
      failure.say(problem.message);
      return;
    } finally {
      progressBox.hidden = true;
      for (const button of document.querySelectorAll('#import-form button, #import-result button')) button.disabled = false;
    }
    if (answer.error) {
      checked = null;
      result.replaceChildren(h('p', { class: 'error', role: 'alert', id: 'import-error' },
        `${answer.error.rule ? `不符合“${answer.error.rule}”规则：` : ''}${answer.error.text || answer.error.message}；未导入任何内容。`));
      return;
    }
    const report = answer.report;
    const errors = report.problems.filter((p) => p.severity === 'error');
    const parts = [];
    if (report.written) {
      checked = null;
      parts.push(h('p', { class: 'notice', role: 'status', id: 'import-done' },
        `已全部导入 ${file.name}：${summary(report)}新增和修改的事项都是草稿，在“事项”中可以查看并提交审查。`),
        h('p', {}, h('a', { href: '#/items?status=DRAFT' }, '查看本单位的草稿')));
    } else if (errors.length) {
      checked = null;
      parts.push(h('p', { class: 'error', role: 'alert', id: 'import-blocked' },
        `${file.name} 有 ${errors.length} 个错误，未导入任何内容。请修改表格后重新检查。`));
    } else {
      checked = { file, domain };
      const go = h('button', { type: 'button', class: 'button', 'data-act': 'import' }, `全部导入（${report.rows} 行）`);
      go.addEventListener('click', () => {
        if (!checked || checked.file !== form.elements.file.files[0] || checked.domain !== form.elements.domain.value) {
          failure.say('文件或领域已改变，请先重新检查。');
          return;
        }
        run(false);
      });
      parts.push(h('p', { class: 'notice', role: 'status', id: 'import-ready' }, `检查通过：${summary(report)}确认后全部导入（要么全部写入，要么都不写入）。`), h('div', { class: 'actions' }, go));
    }
    if (report.problems.length) parts.push(problemTable(report.problems));
    result.replaceChildren(...parts);
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run(true);
  });
  form.elements.file.addEventListener('change', () => {
    checked = null;
    result.replaceChildren();
  });
  show(
    '导入目录表格',
    flashBox(flash),
    h('p', { class: 'lead' }, `把本单位（${me.unit}）的目录表格导入为草稿：先检查，列出每个问题所在的行和列；没有错误才能导入，导入时全部写入或全部不写入。`),
    form,
    progressBox,
    result,
  );
}
