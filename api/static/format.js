// Chinese labels of enum values, and times in Beijing time (UTC+8, no daylight saving since 1991).

const labels = new Map();
const BEIJING_MS = 8 * 60 * 60 * 1000;
const UNIT_KINDS = { government: '政府', department: '部门', town: '镇', center: '中心', zone: '园区' };

/** Keep the `labels` the API returned ({enum, value, label}). */
export function setLabels(list) {
  labels.clear();
  for (const { enum: kind, value, label } of list) labels.set(`${kind}.${value}`, label);
}

/** The Chinese label of an enum value, e.g. label('Level', 'VILLAGE') -> 村级. */
export function label(kind, value) {
  return labels.get(`${kind}.${value}`) ?? value;
}

/** The values of one enum, in the API's order, with their labels. */
export function values(kind) {
  const found = [];
  for (const [key, text] of labels) {
    const [name, value] = key.split('.');
    if (name === kind) found.push({ value, label: text });
  }
  return found;
}

export function labelList(kind, list) {
  return list.map((value) => label(kind, value)).join('、');
}

export function unitKind(kind) {
  return UNIT_KINDS[kind] ?? kind;
}

/** An API DateTime as {date: 'YYYY-MM-DD', time: 'HH:MM:SS'} in Beijing time; null if unreadable. */
export function beijing(iso) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return null;
  const shifted = new Date(moment.getTime() + BEIJING_MS).toISOString();
  return { date: shifted.slice(0, 10), time: shifted.slice(11, 19) };
}

/** 2020年7月7日 */
export function formatDate(iso) {
  const parts = beijing(iso);
  if (!parts) return iso;
  const [year, month, day] = parts.date.split('-').map(Number);
  return `${year}年${month}月${day}日`;
}

/** 2020年7月7日 10:00:00 */
export function formatDateTime(iso) {
  const parts = beijing(iso);
  return parts ? `${formatDate(iso)} ${parts.time}` : iso;
}

/** The asOf value for a date and an optional time (Beijing time); a date alone means the end of that day. */
export function asOfFrom(date, time) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return '';
  let clock = (time || '').trim();
  if (/^\d{2}:\d{2}$/.test(clock)) clock += ':00';
  if (!/^\d{2}:\d{2}:\d{2}$/.test(clock)) clock = '23:59:59';
  return `${date}T${clock}+08:00`;
}

/** Whether `text` is a time the page can pass as asOf. */
export function isTime(text) {
  return typeof text === 'string' && text !== '' && beijing(text) !== null;
}
