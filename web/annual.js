// The words and pieces of term management (届期管理) that the unit's base
// page and the admin's term desk share: the figures of an annual report
// (年度科普工作报告) and their form, the evaluation's grades, the end-of-term
// assessment's results and the fast-track mark of an application.
import { h, replace } from './dom.js';
import { api } from './api.js';
import { field } from './forms.js';
import { badge, facts } from './widgets.js';
import { charCount, formatDateTime, chinaToday } from './format.js';

export const HIGHLIGHTS_MAX = 3000;
export const COMMENTS_MAX = 2000;

// The figures, in the order the form and the tables show them. max: the
// server's bound where there is one; decimals: funding in 万元.
export const FIGURES = [
  { key: 'open_days', label: '开放天数', unit: '天', max: 366 },
  { key: 'visitors', label: '接待人次', unit: '人次' },
  { key: 'activities', label: '科普活动次数', unit: '次' },
  { key: 'staff_fulltime', label: '专职人员', unit: '人' },
  { key: 'staff_parttime', label: '兼职人员', unit: '人' },
  { key: 'volunteers', label: '志愿者', unit: '人' },
  { key: 'funding_wan', label: '经费（万元）', unit: '万元', decimals: true },
];

export const GRADES = { excellent: '优秀', good: '良好', qualified: '合格', unqualified: '不合格' };
const GRADE_TONE = { excellent: 'ok', good: 'info', qualified: 'neutral', unqualified: 'warn' };
export function gradeBadge(grade) {
  return badge(GRADES[grade] ?? grade, GRADE_TONE[grade] ?? 'neutral');
}

export const TERM_RESULTS = { excellent: '优秀', qualified: '合格', unqualified: '不合格' };
const RESULT_TONE = { excellent: 'ok', qualified: 'info', unqualified: 'warn' };
export function termResultBadge(result) {
  return badge(`终期考核：${TERM_RESULTS[result] ?? result}`, RESULT_TONE[result] ?? 'neutral');
}

// What the end-of-term result means for the next batch, said to people.
export const TERM_EFFECT = {
  excellent: '下一批次认定时由管理员直接转入建议名单（优秀直接认定），不占推荐名额。',
  qualified: '下一批次可照常申报；推荐后直接进入终评，不参加实地抽检（合格直通终评）。',
  unqualified: '下一批次不得申报（注册时将被拒绝）。',
};

// The current year in China by this browser's clock (the server decides).
export const chinaYear = () => Number(chinaToday().slice(0, 4));

// The years of a base's term that may be reported on now: its term up to this year.
export function reportableYears(base) {
  const last = Math.min(base.term_end_year, chinaYear());
  const years = [];
  for (let y = base.term_start_year; y <= last; y++) years.push(y);
  return years;
}

// "1,234 人次"
export function figureText(value, unit) {
  if (value == null) return '—';
  return `${Number(value).toLocaleString('zh-CN', { maximumFractionDigits: 2 })} ${unit}`;
}

// The figures as a definition list.
export function reportFacts(report) {
  return facts(FIGURES.map((f) => [f.label.replace('（万元）', ''), figureText(report[f.key], f.unit)]), 'facts-compact report-facts');
}

// The evaluation of a report: score, grade, comments, when.
export function evaluationFacts(ev) {
  return facts([
    ['评估等级', gradeBadge(ev.grade)],
    ['评估得分', `${Number(ev.score).toLocaleString('zh-CN', { maximumFractionDigits: 2 })} 分`],
    ['评估意见', ev.comments ? h('span', { class: 'prose-inline' }, ev.comments) : h('span', { class: 'muted' }, '无')],
    ['评估时间', h('time', { datetime: ev.evaluated_at }, formatDateTime(ev.evaluated_at))],
  ], 'facts-compact');
}

// A <textarea> field with a live "n / max 字" counter. → field() plus `count()`.
export function countedField({ id, label, hint, max, rows = 6, value = '' }) {
  const f = field({ id, label, hint, multiline: true, attrs: { rows, class: 'input', 'aria-describedby': null } });
  const counter = h('p', { class: 'counter', id: `${id}-count`, 'aria-live': 'polite' });
  f.input.setAttribute('aria-describedby', [hint && `${id}-hint`, `${id}-count`, `${id}-error`].filter(Boolean).join(' '));
  f.input.after(counter);
  f.input.value = value;
  f.count = () => {
    const n = charCount(f.input.value);
    replace(counter, `${n} / ${max} 字`);
    counter.classList.toggle('counter-over', n > max);
    return n;
  };
  f.input.addEventListener('input', f.count);
  f.count();
  return f;
}

// The figures' fields, filled from `report` when given.
// → { fields: { key: field() }, read() → { values, firstBad } }
export function figureFields(prefix, report) {
  const fields = {};
  for (const f of FIGURES) {
    fields[f.key] = field({
      id: `${prefix}-${f.key.replace(/_/g, '-')}`, label: f.label,
      hint: f.max ? `0–${f.max}` : f.decimals ? '可含小数，如 12.5' : null,
      attrs: {
        type: 'text', inputmode: f.decimals ? 'decimal' : 'numeric', required: true, autocomplete: 'off',
        value: report ? String(report[f.key]) : '',
      },
    });
  }
  fields.highlights = countedField({
    id: `${prefix}-highlights`, label: '工作亮点', max: HIGHLIGHTS_MAX,
    hint: '本年度开展科普工作的主要成效、特色活动等，最多 3000 字。', value: report?.highlights ?? '',
  });
  const read = () => {
    const values = {};
    let firstBad = null;
    const bad = (f, text) => { fields[f].setError(text); firstBad ??= fields[f].input; };
    for (const f of FIGURES) {
      const text = fields[f.key].value().trim();
      if (text === '') { bad(f.key, `请填写${f.label}`); continue; }
      const ok = f.decimals ? /^\d+(\.\d{1,4})?$/.test(text) : /^\d{1,13}$/.test(text);
      if (!ok) { bad(f.key, f.decimals ? `${f.label}应为不小于 0 的数` : `${f.label}应为不小于 0 的整数`); continue; }
      const n = Number(text);
      if (f.max != null && n > f.max) { bad(f.key, `${f.label}不能超过 ${f.max}`); continue; }
      values[f.key] = n;
    }
    values.highlights = fields.highlights.value().trim();
    if (fields.highlights.count() > HIGHLIGHTS_MAX) bad('highlights', `工作亮点不能超过 ${HIGHLIGHTS_MAX} 字`);
    return { values, firstBad };
  };
  return { fields, read };
}

// A base and its annual reports, read side by side: the admin's base page
// and the unit's show both.
export async function baseWithReports(id, signal) {
  const path = `/bases/${encodeURIComponent(id)}`;
  const [base, reports] = await Promise.all([
    api('GET', path, undefined, { signal }),
    api('GET', `${path}/annual-reports`, undefined, { signal }),
  ]);
  return { base, reports: reports?.items ?? [] };
}
