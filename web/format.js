// How values from the API read in Chinese: roles, times, compact JSON.

export const ROLE_NAMES = {
  admin: '中国科协管理员',
  recommender: '推荐单位',
  applicant: '申报单位',
  expert: '评审专家',
  anonymous: '未登录用户',
  system: '系统',
};

export function roleName(role) {
  return ROLE_NAMES[role] ?? role ?? '—';
}

// Every time the UI shows is Beijing time (Asia/Shanghai, UTC+8 all year),
// whatever the browser's time zone: formatDateTime, formatDate, formatClock
// and formatDeadline below, and the date inputs' toChinaInput/fromChinaInput.
// The formatter is made on first use, not at load: building it takes tens of
// milliseconds (the locale's data), which every page would pay before its
// first view.
let beijing = null;
function beijingFormat() {
  return (beijing ??= new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }));
}

function beijingParts(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  return Object.fromEntries(beijingFormat().formatToParts(date).map((p) => [p.type, p.value]));
}

// RFC 3339 → "2024-05-01 14:30:05" in Beijing time; the input unchanged
// when it does not parse.
export function formatDateTime(value) {
  if (!value) return '—';
  const p = beijingParts(value);
  if (!p) return String(value);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

// RFC 3339 → its date in Beijing ("2024-05-01").
export function formatDate(value) {
  if (!value) return '—';
  const p = beijingParts(value);
  return p ? `${p.year}-${p.month}-${p.day}` : String(value);
}

// Bytes → "523 KB", "12.4 MB" (1024-based, as file managers show them).
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1).replace(/\.0$/, '')} ${units[i]}`;
}

// A Date → "14:05" in Beijing time.
export function formatClock(date = new Date()) {
  const p = beijingParts(date);
  return `${p.hour}:${p.minute}`;
}

// The hour (0–23) in Beijing of a Date.
export function beijingHour(date = new Date()) {
  return Number(beijingParts(date).hour);
}

// One-line JSON for a details cell; '' for null and empty objects.
export function compactJson(value) {
  if (value == null) return '';
  if (typeof value === 'object' && Object.keys(value).length === 0) return '';
  return JSON.stringify(value);
}

// Length as the server counts it: characters (code points), not UTF-16 units.
export function charCount(text) {
  return [...text].length;
}

// ---- the words of the domain ----

// Batch status, in the order a batch moves through them.
export const BATCH_FLOW = ['draft', 'open', 'evaluating', 'publicity', 'closed'];
export const BATCH_STATUS = {
  draft: '草稿',
  open: '申报中',
  evaluating: '评审中',
  publicity: '公示中',
  closed: '已结束',
};

// The status after `status`, or null at the end.
export function nextBatchStatus(status) {
  const i = BATCH_FLOW.indexOf(status);
  return i >= 0 && i < BATCH_FLOW.length - 1 ? BATCH_FLOW[i + 1] : null;
}

export const RECOMMENDER_KINDS = {
  outline_office: '全民科学素质纲要实施工作办公室成员单位',
  national_society: '全国学会',
  provincial_cast: '省级科协',
};

export const INVITATION_STATUS = {
  unused: '未使用',
  used: '已使用',
  revoked: '已撤销',
  expired: '已过期',
};

export const APPLICATION_STATUS = {
  draft: '草稿',
  submitted: '已提交',
  returned: '退回修改',
  recommended: '已推荐',
  not_recommended: '不予推荐',
  expired: '逾期未报',
  initial_passed: '初评通过',
  initial_failed: '初评未通过',
  onsite_failed: '实地抽检未通过',
  proposed: '拟认定',
  final_rejected: '终评未通过',
  named: '已命名',
  withdrawn_after_objection: '异议成立撤销',
};

// The statuses of the application stage, in the order they come.
export const APPLICATION_STAGE = ['draft', 'submitted', 'returned', 'recommended', 'not_recommended', 'expired'];

// Base categories of the 2021 cycle (lib/domain/appstate.c).
export const CATEGORIES = {
  venue: '科技场馆类',
  education_research: '教育科研与重大工程类',
  agriculture: '“三农”类',
  enterprise: '企业类',
  natural_resources: '自然资源类',
  other: '其他类',
};

// The Chinese word for an enum value; the value itself when unknown.
export function label(map, value) {
  return map[value] ?? value ?? '—';
}

// ---- China time (UTC+8): deadlines are set and read in it ----

const CHINA_OFFSET_MS = 8 * 3600e3;
const DAY_MS = 24 * 3600e3;
const pad = (n, w = 2) => String(n).padStart(w, '0');

// The wall-clock fields in China of an instant (ms since the epoch).
function chinaFields(ms) {
  const t = new Date(ms + CHINA_OFFSET_MS);
  return {
    date: `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`,
    hour: t.getUTCHours(), minute: t.getUTCMinutes(), second: t.getUTCSeconds(),
  };
}

// RFC 3339 → "2021-10-25 24:00" in China time: an instant at midnight
// reads as 24:00 of the day before, the way a notice says "10月25日24:00".
// Seconds only when there are some. The input unchanged when it does not parse.
export function formatDeadline(value) {
  if (!value) return '—';
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return String(value);
  const f = chinaFields(ms);
  if (f.hour === 0 && f.minute === 0 && f.second === 0) return `${chinaFields(ms - DAY_MS).date} 24:00`;
  return `${f.date} ${pad(f.hour)}:${pad(f.minute)}${f.second ? `:${pad(f.second)}` : ''}`;
}

// RFC 3339 → the value of an <input type="datetime-local"> in China time
// ("2021-10-26T00:00"); '' when it does not parse.
export function toChinaInput(value) {
  const ms = Date.parse(value ?? '');
  if (Number.isNaN(ms)) return '';
  const f = chinaFields(ms);
  return `${f.date}T${pad(f.hour)}:${pad(f.minute)}${f.second ? `:${pad(f.second)}` : ''}`;
}

// A datetime-local value read as China time → RFC 3339 with +08:00
// ("2021-10-26T00:00:00+08:00"); null when it is not one.
export function fromChinaInput(value) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(value ?? '');
  if (!m) return null;
  return `${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}+08:00`;
}

// Today's date in China ("2026-10-08"), by this browser's clock.
export function chinaToday(now = Date.now()) {
  return chinaFields(now).date;
}

// Whether the instant `value` (RFC 3339) has passed by this browser's clock.
// The server's clock decides; this only chooses what to show.
export function isPast(value) {
  const ms = Date.parse(value ?? '');
  return !Number.isNaN(ms) && Date.now() >= ms;
}
