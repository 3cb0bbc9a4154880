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

const DATE_TIME = new Intl.DateTimeFormat('zh-CN', {
  year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
});

// RFC 3339 → "2024-05-01 14:30:05" in the browser's time zone; the input
// unchanged when it does not parse.
export function formatDateTime(value) {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const parts = Object.fromEntries(DATE_TIME.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
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
