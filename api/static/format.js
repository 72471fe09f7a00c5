// Chinese labels of enum values, and times in the jurisdiction's time zone (the API's `jurisdiction { timezone }`),
// always with the zone named: 2020年7月15日 10:00:00（北京时间）.

const labels = new Map();
const ZONE_NAMES = { 'Asia/Shanghai': '北京时间' }; // other zones are named by their offset: UTC+05:00
let zone = 'Asia/Shanghai';
let parts = partsFormat(zone);
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

function partsFormat(name) {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: name,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** Show times in the IANA zone `name` from now on (the jurisdiction's); an unknown zone keeps the one before. */
export function setZone(name) {
  try {
    parts = partsFormat(name);
    zone = name;
  } catch {
    // RangeError: a zone this browser does not know; the times stay in the last one set
  }
}

/** What the zone is called, at `iso` (its offset may change with daylight saving): 北京时间, or UTC+05:00. */
export function zoneName(iso = new Date().toISOString()) {
  return ZONE_NAMES[zone] ?? `UTC${offsetText(offsetMinutes(new Date(iso).getTime()))}`;
}

/** The zone's offset from UTC in minutes at the instant `ms`. */
function offsetMinutes(ms) {
  const local = zoned(new Date(ms));
  const [year, month, day] = local.date.split('-').map(Number);
  const [hour, minute, second] = local.time.split(':').map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60000);
}

/** +08:00 */
function offsetText(minutes) {
  const hours = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
  return `${minutes < 0 ? '-' : '+'}${hours}:${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
}

function zoned(moment) {
  const found = Object.fromEntries(parts.formatToParts(moment).map((part) => [part.type, part.value]));
  return { date: `${found.year}-${found.month}-${found.day}`, time: `${found.hour}:${found.minute}:${found.second}` };
}

/** An API DateTime as {date: 'YYYY-MM-DD', time: 'HH:MM:SS'} in the jurisdiction's zone; null if unreadable. */
export function localParts(iso) {
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return null;
  return zoned(moment);
}

/** 2020年7月7日 */
export function formatDate(iso) {
  const local = localParts(iso);
  if (!local) return iso;
  const [year, month, day] = local.date.split('-').map(Number);
  return `${year}年${month}月${day}日`;
}

/** 2020年7月7日 10:00:00（北京时间）: the zone is always named. */
export function formatDateTime(iso) {
  const local = localParts(iso);
  return local ? `${formatDate(iso)} ${local.time}（${zoneName(iso)}）` : iso;
}

/** The asOf value (ISO 8601 with the zone's offset then) for a date and an optional time in the jurisdiction's zone;
 * a date alone means the end of that day. */
export function asOfFrom(date, time) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return '';
  let clock = (time || '').trim();
  if (/^\d{2}:\d{2}$/.test(clock)) clock += ':00';
  if (!/^\d{2}:\d{2}:\d{2}$/.test(clock)) clock = '23:59:59';
  const wall = Date.parse(`${date}T${clock}Z`);
  if (Number.isNaN(wall)) return '';
  // The offset at that wall-clock time: guessed from the instant it would be in UTC, then checked once more.
  let offset = offsetMinutes(wall - offsetMinutes(wall) * 60000);
  offset = offsetMinutes(wall - offset * 60000);
  return `${date}T${clock}${offsetText(offset)}`;
}

/** Whether `text` is a time the page can pass as asOf. */
export function isTime(text) {
  return typeof text === 'string' && text !== '' && localParts(text) !== null;
}
