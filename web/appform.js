// The 申报表 (application form) as the UI knows it: its fields with their
// Chinese labels and limits (lib/domain/appform.c), the attachment kinds, the
// label of any field path the server names in errors[], and the read-only
// rendering of a whole application that the applicant (after submitting),
// the recommender and the admin all see.
import { h } from './dom.js';
import { api, API_BASE } from './api.js';
import { CATEGORIES, formatBytes, formatDateTime, label } from './format.js';
import { applicationBadge, fastTrackBadge, facts } from './widgets.js';
import { applicationNumber } from './documents.js';

export const BASE_NAME_MAX = 100;
export const HONORS_MAX = 50;
export const HONOR_TEXT_MAX = 200;

// 基本数据: integers or numbers ≥ 0 up to max.
export const FIGURES = [
  { key: 'staff_fulltime', label: '专职科普人员数', type: 'int', max: 100000, unit: '人' },
  { key: 'staff_parttime', label: '兼职科普人员数', type: 'int', max: 100000, unit: '人' },
  { key: 'volunteers', label: '科普志愿者人数', type: 'int', max: 1000000, unit: '人' },
  { key: 'open_days_per_year', label: '年开放天数', type: 'int', max: 366, unit: '天' },
  { key: 'annual_visitors', label: '年接待人次', type: 'int', max: 1e9, unit: '人次' },
  { key: 'venue_area_m2', label: '科普场地面积（平方米）', type: 'number', max: 1e8, unit: '平方米' },
  { key: 'annual_funding_wan', label: '年科普经费（万元）', type: 'number', max: 1e7, unit: '万元' },
  { key: 'activities_last3y', label: '近三年科普活动次数', type: 'int', max: 1000000, unit: '次' },
];

// The narratives, each its own section; max counts characters.
export const NARRATIVES = [
  { key: 'profile', label: '单位简介', max: 2000,
    hint: '单位性质、隶属关系、规模、主要职能等基本情况。' },
  { key: 'work_summary', label: '科普工作简介', max: 5000,
    hint: '近三年开展科普工作的情况：面向公众的科普活动、科普资源开发、科普队伍建设、取得的成效和特色亮点。' },
  { key: 'conditions', label: '保障条件', max: 3000,
    hint: '科普场地、设施、人员、经费和管理制度等方面的保障。' },
  { key: 'plan', label: '三年发展规划', max: 3000,
    hint: '今后三年科普工作的目标、重点任务和保障措施。' },
];

export const ATTACHMENT_KINDS = [
  { kind: 'application_form', label: '申报表扫描件', required: true,
    types: ['application/pdf'], accept: '.pdf,application/pdf', typeText: 'PDF',
    hint: '填写完整、加盖单位公章的申报表扫描件，PDF 格式；提交前必须上传。' },
  { kind: 'evidence', label: '证明材料',
    types: ['application/pdf', 'image/png', 'image/jpeg'], accept: '.pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg', typeText: 'PDF、PNG 或 JPEG',
    hint: '已命名情况的证书、批文等证明材料，PDF、PNG 或 JPEG 格式，可上传多个。' },
  { kind: 'video', label: '视频',
    types: ['video/mp4'], accept: '.mp4,video/mp4', typeText: 'MP4',
    hint: '3–5 分钟，介绍场馆、科普资源和近三年的科普活动，MP4 格式。' },
  { kind: 'other', label: '其他',
    types: ['application/pdf', 'image/png', 'image/jpeg', 'video/mp4'], accept: '.pdf,.png,.jpg,.jpeg,.mp4,application/pdf,image/png,image/jpeg,video/mp4', typeText: 'PDF、PNG、JPEG 或 MP4',
    hint: '其他需要说明的材料，PDF、PNG、JPEG 或 MP4 格式。' },
];

// The programme office's own kind: the evidence of an on-site check.
export const ONSITE_EVIDENCE = {
  kind: 'onsite_evidence', label: '实地核查材料',
  types: ['application/pdf', 'image/png', 'image/jpeg', 'video/mp4'], accept: '.pdf,.png,.jpg,.jpeg,.mp4,application/pdf,image/png,image/jpeg,video/mp4', typeText: 'PDF、PNG、JPEG 或 MP4',
  hint: '核查记录表、现场照片或视频等，PDF、PNG、JPEG 或 MP4 格式，可上传多个；上传后不能删除。',
};

export function attachmentKind(kind) {
  return [...ATTACHMENT_KINDS, ONSITE_EVIDENCE].find((k) => k.kind === kind) ?? { kind, label: kind, types: [] };
}

const EXTENSION_TYPES = {
  pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', mp4: 'video/mp4',
};

// The Content-Type to send for a chosen file: what the browser says, or
// what its extension says when the browser does not know.
export function fileType(file) {
  if (file.type && Object.values(EXTENSION_TYPES).includes(file.type)) return file.type;
  const ext = /\.([^.]+)$/.exec(file.name)?.[1]?.toLowerCase();
  return EXTENSION_TYPES[ext] ?? file.type ?? '';
}

const FIXED_LABELS = {
  base_name: '基地名称',
  category: '类别',
  'form.honors': '已命名情况',
  'attachments.application_form': '申报表扫描件',
};
const HONOR_PARTS = { title: '名称', issuer: '授予单位', date: '日期' };

// The Chinese name of a field path the server uses:
// 'form.profile' → '单位简介', 'form.honors.2.date' → '已命名情况第 3 项的日期'.
export function fieldLabel(path) {
  if (FIXED_LABELS[path]) return FIXED_LABELS[path];
  const honor = /^form\.honors\.(\d+)(?:\.(\w+))?$/.exec(path ?? '');
  if (honor) return `已命名情况第 ${Number(honor[1]) + 1} 项${honor[2] ? `的${HONOR_PARTS[honor[2]] ?? honor[2]}` : ''}`;
  const key = /^form\.(\w+)$/.exec(path ?? '')?.[1];
  const known = FIGURES.find((f) => f.key === key) ?? NARRATIVES.find((f) => f.key === key);
  if (known) return known.label;
  const kind = /^attachments\.(\w+)$/.exec(path ?? '')?.[1];
  if (kind) return attachmentKind(kind).label;
  return path ?? '';
}

export function categoryName(value) {
  return value ? label(CATEGORIES, value) : '—';
}

// The title a list shows for an application: its base name, else the unit's.
export function applicationName(app) {
  return app.base_name || app.unit_name;
}

// ---- read-only ----

function numberText(value, unit) {
  if (value == null || value === '') return h('span', { class: 'muted' }, '未填写');
  return `${Number(value).toLocaleString('zh-CN', { maximumFractionDigits: 2 })} ${unit}`;
}

function textBlock(value) {
  return value
    ? h('div', { class: 'prose' }, value.split(/\n{2,}|\r\n\r\n/).map((p) => h('p', null, p)))
    : h('p', { class: 'muted' }, '未填写');
}

function section(id, title, ...children) {
  return h('section', { class: 'app-section', 'aria-labelledby': id },
    h('h2', { id, class: 'app-section-title' }, title), children);
}

// The list of attachments: name, kind, size, time, 下载; `actions(att)`
// adds more per row (删除).
export function attachmentList(attachments, { actions, kinds = true } = {}) {
  if (!attachments?.length) return h('p', { class: 'muted attachments-empty' }, '尚未上传附件。');
  return h('ul', { class: 'attachment-list' }, attachments.map((a) => {
    const nameId = `att-${a.id}-name`;
    return h('li', { class: 'attachment', dataset: { id: String(a.id), kind: a.kind } },
      h('div', { class: 'attachment-main' },
        h('p', { class: 'attachment-name', id: nameId }, a.filename),
        h('p', { class: 'attachment-meta' },
          kinds && h('span', { class: 'attachment-kind' }, attachmentKind(a.kind).label),
          h('span', null, formatBytes(a.size)),
          h('time', { datetime: a.created_at }, formatDateTime(a.created_at)))),
      h('div', { class: 'attachment-actions' },
        h('a', {
          class: 'button button-secondary button-small', href: `${API_BASE}/attachments/${a.id}`, download: a.filename,
          'aria-describedby': nameId,
        }, '下载'),
        actions?.(a, nameId)));
  }));
}

// What the recommender said, for the statuses that carry it; null otherwise.
export function outcomeNotice(app) {
  if (app.status === 'returned' && app.return_reason) {
    return h('div', { class: 'outcome outcome-returned', id: 'app-outcome', role: 'note' },
      h('p', { class: 'outcome-title' }, '推荐单位退回修改，原因：'),
      h('p', { class: 'outcome-text' }, app.return_reason),
      h('p', { class: 'outcome-foot' }, '请按意见修改后重新提交。'));
  }
  if (app.status === 'submitted' && app.withdraw_reason) {
    return h('div', { class: 'outcome outcome-returned', id: 'app-outcome', role: 'note' },
      h('p', { class: 'outcome-title' }, '推荐单位撤回了推荐，原因：'),
      h('p', { class: 'outcome-text' }, app.withdraw_reason),
      h('p', { class: 'outcome-foot' }, '申报回到待审核，推荐单位可以重新审核。'));
  }
  if (app.status === 'not_recommended' && app.decline_reason) {
    return h('div', { class: 'outcome outcome-declined', id: 'app-outcome', role: 'note' },
      h('p', { class: 'outcome-title' }, '推荐单位不予推荐，原因：'),
      h('p', { class: 'outcome-text' }, app.decline_reason));
  }
  if (app.recommend_opinion && app.status !== 'submitted' && app.status !== 'returned' && app.status !== 'draft') {
    return h('div', { class: 'outcome outcome-recommended', id: 'app-outcome', role: 'note' },
      h('p', { class: 'outcome-title' }, '推荐意见',
        app.recommended_at && h('span', { class: 'outcome-when' }, `（${formatDateTime(app.recommended_at)}）`), '：'),
      h('p', { class: 'outcome-text' }, app.recommend_opinion));
  }
  return null;
}

// The key facts of an application, for the head of its page.
export function applicationFacts(app, batchTitle) {
  return facts([
    ['申报单位', app.unit_name],
    ['所在地区', app.region],
    ['批次', batchTitle ?? app.batch_title ?? `#${app.batch_id}`],
    ['推荐单位', app.recommender_name],
    ['申报编号', applicationNumber(app)],
    ['提交时间', app.submitted_at ? h('time', { datetime: app.submitted_at }, formatDateTime(app.submitted_at)) : null],
    ['推荐时间', app.recommended_at ? h('time', { datetime: app.recommended_at }, formatDateTime(app.recommended_at)) : null],
  ], 'facts-compact app-facts');
}

// The whole form, read only, in the sections of the editor.
export function applicationSections(app) {
  const form = app.form ?? {};
  const honors = Array.isArray(form.honors) ? form.honors : [];
  return h('div', { class: 'app-readonly' },
    section('ro-basic', '基本信息', facts([
      ['基地名称', app.base_name || h('span', { class: 'muted' }, '未填写')],
      ['类别', app.category ? categoryName(app.category) : h('span', { class: 'muted' }, '未选择')],
    ], 'facts-table')),
    section('ro-figures', '基本数据',
      h('dl', { class: 'figures' }, FIGURES.map((f) => h('div', { class: 'figure' },
        h('dt', null, f.label.replace(/（.*）$/, '')),
        h('dd', null, numberText(form[f.key], f.unit)))))),
    NARRATIVES.map((n) => section(`ro-${n.key}`, n.label, textBlock(form[n.key]))),
    section('ro-honors', '已命名情况', honors.length
      ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '已命名情况（可横向滚动）' },
        h('table', { class: 'table table-cards honors-table' },
          h('thead', null, h('tr', null, ['序号', '名称', '授予单位', '日期'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', null, honors.map((x, i) => h('tr', null,
            h('td', { class: 'num', dataset: { label: '序号' } }, String(i + 1)),
            h('td', { class: 'cell-title' }, x.title),
            h('td', { dataset: { label: '授予单位' } }, x.issuer),
            h('td', { class: 'nowrap', dataset: { label: '日期' } }, x.date))))))
      : h('p', { class: 'muted' }, '无。')),
    section('ro-attachments', '附件', attachmentList(app.attachments ?? [])));
}

// The title line: name and status badge.
export function applicationTitle(app, tag = 'h1') {
  return h(tag, { class: 'title-with-badge' }, h('span', null, applicationName(app)), applicationBadge(app.status), fastTrackBadge(app.fast_track));
}

// What the applicant should do next, by status.
const NEXT_STEP = {
  draft: '草稿：可以分几次填写，全部填好并上传申报表扫描件后提交给推荐单位。',
  returned: '推荐单位退回修改：请查看原因，修改后重新提交。',
  submitted: '已提交，等待推荐单位审核。',
  recommended: '已获推荐，等待中国科协初评。',
  not_recommended: '推荐单位不予推荐。',
  expired: '推荐截止时未获推荐，按自愿放弃办理。',
};

// A card of one of the applicant's applications, linking to its page.
// tag: the heading level ('h2' on a page of cards, 'h3' under a section).
export function applicationCard(app, batchTitle, { tag = 'h2' } = {}) {
  const editable = app.status === 'draft' || app.status === 'returned';
  return h('article', { class: 'card app-card', dataset: { id: String(app.id) } },
    h(tag, { class: 'card-title title-with-badge' },
      h('a', { href: `/applications/${app.id}`, dataset: { link: '' } }, applicationName(app)),
      applicationBadge(app.status), fastTrackBadge(app.fast_track)),
    facts([
      ['申报单位', app.unit_name],
      ['基地名称', app.base_name || '（尚未填写）'],
      ['批次', batchTitle ?? app.batch_title ?? `#${app.batch_id}`],
      ['推荐单位', app.recommender_name],
      ['所在地区', app.region],
      ['最近修改', h('time', { datetime: app.updated_at }, formatDateTime(app.updated_at))],
    ], 'facts-compact'),
    h('p', { class: 'card-note' }, NEXT_STEP[app.status] ?? ''),
    h('p', { class: 'card-links' },
      h('a', { href: `/applications/${app.id}`, dataset: { link: '' } }, editable ? (app.status === 'returned' ? '修改并重新提交' : '填写申报表') : '查看申报表')));
}

// Titles of the batches of `apps` (GET /batches/{id} each, once). → Map id → title.
export async function batchTitles(apps, { signal } = {}) {
  const ids = [...new Set(apps.map((a) => a.batch_id))];
  const titles = new Map();
  await Promise.all(ids.map(async (bid) => {
    const b = await api('GET', `/batches/${bid}`, undefined, { signal }).catch((err) => {
      if (signal?.aborted) throw err;
      return null;
    });
    if (b) titles.set(bid, `${b.title}（${b.code}）`);
  }));
  return titles;
}
