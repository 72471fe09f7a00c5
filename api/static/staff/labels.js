// The workbench's Chinese words for the staff API's values: roles, statuses, steps, elements and their values.

export const ROLES = {
  drafter: '起草人',
  preliminary_reviewer: '初审人',
  legality_reviewer: '合法性审查人',
  approver: '审议人',
  publisher: '发布人',
  admin: '管理员',
};

export const STATUSES = {
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

export const KINDS = { ADD: '增加', CHANGE: '变更', CANCEL: '取消' };

/** How the actor of a step was proven. */
export const PROOFS = { CLI: '命令行（由服务器操作员声明）', SESSION: '工作台登录会话', TOKEN: '接口令牌' };

export const STEPS = {
  draft: '梳理',
  revise: '退回修改',
  preliminary_review: '初审',
  legality_review: '合法性审查',
  approval: '审议',
  publication: '公布',
};

/** The elements of the official table, in its order: [field, label]. */
export const ELEMENTS = [
  ['category', '一级事项'],
  ['name', '二级事项'],
  ['subname', '三级事项'],
  ['content', '公开内容（要素）'],
  ['basis', '公开依据'],
  ['timeLimit', '公开时限'],
  ['body', '公开主体'],
  ['channels', '公开渠道和载体'],
  ['audience', '公开对象'],
  ['audienceNote', '特定群体说明'],
  ['method', '公开方式'],
  ['levels', '公开层级'],
];

/** The choices of the enum elements, as the API names them, with their labels. */
export const CHOICES = {
  audience: [
    ['PUBLIC', '全社会'],
    ['SPECIFIC_GROUP', '特定群体'],
  ],
  method: [
    ['PROACTIVE', '主动'],
    ['ON_REQUEST', '依申请'],
  ],
  levels: [
    ['COUNTY', '县级'],
    ['TOWNSHIP', '乡级'],
    ['VILLAGE', '村级'],
  ],
};

const VALUES = Object.fromEntries(Object.values(CHOICES).flat());

export function roleText(role) {
  return ROLES[String(role).toLowerCase()] ?? role;
}

/** An element's value as people read it: 全社会 for PUBLIC (a history's change gives the stored value, public). */
export function valueText(value) {
  if (value === null || value === undefined || value === '') return '（无）';
  if (Array.isArray(value)) return value.length ? value.map(valueText).join('、') : '（无）';
  if (typeof value === 'object') return JSON.stringify(value);
  return VALUES[String(value).toUpperCase()] ?? String(value);
}

/** What a deadline leaves: 还剩 N 个工作日, 今日到期, 逾期 N 个工作日. */
export function daysLeftText(left) {
  if (left > 0) return `还剩 ${left} 个工作日`;
  if (left === 0) return '今日到期';
  return `逾期 ${-left} 个工作日`;
}

/** A calendar day (2026-12-10) as 2026年12月10日: a date has no time zone to convert. */
export function dayText(day) {
  const [year, month, date] = String(day).split('-').map(Number);
  return year && month && date ? `${year}年${month}月${date}日` : String(day);
}

/** An item's title as the registry gives it (the queue's and the listing's `title`): its most specific name. */
export function titleOf(elements) {
  return elements.subname || elements.name || elements.category;
}
