// One audit record read by a person: every field of it and of its data
// with a Chinese label, long values wrapping (never cut off), and the raw
// JSON as stored below.  Used by web/views/audit.js.
import { h } from './dom.js';
import { formatDateTime, roleName } from './format.js';
import { viewDialog } from './dialog.js';

// The keys of `data` the server writes most, in Chinese; any other key is
// shown as it is.
const DATA_LABELS = {
  id: '编号', username: '用户名', role: '角色', name: '名称', via: '方式', reason: '原因',
  status: '状态', from_status: '原状态', code: '编号/代码', title: '标题', count: '数量',
  batch_id: '批次编号', application_id: '申报编号', recommender_id: '推荐单位编号', unit_id: '申报单位编号',
  expert_id: '专家编号', base_id: '基地编号', notice_id: '公示编号', objection_id: '异议编号',
  annual_report_id: '年度报告编号', plaque_id: '牌匾编号', user: '账号', year: '年度',
  credit_code: '统一社会信用代码', invitation: '邀请码', organization: '工作单位', field: '专业领域',
  region: '地区', kind: '类型', disabled: '已停用', created_at: '创建时间', updated_at: '修改时间',
  contact_deadline: '联系人报送截止', recommend_deadline: '推荐截止', submit_deadline: '单位提交截止',
  term_start_year: '届期起始年', term_end_year: '届期结束年', opinion: '意见', score: '得分', scores: '评分',
  result: '结果', comments: '意见', changes: '修改内容', fields: '字段', session_id: '会话编号',
  sessions_ended: '结束的会话数', quota: '名额', replaced_by: '替换为', seed: '随机种子', rate: '比例',
  fast_track: '直通', filename: '文件名', size: '大小（字节）', mime: '文件类型', starts_at: '开始时间',
  ends_at: '结束时间', key_id: '密钥编号', organization_credit_code: '单位统一社会信用代码',
};

const TIME_KEY = /(_at|_deadline)$/;

function valueText(key, value) {
  if (value == null) return '—';
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (typeof value === 'string') return TIME_KEY.test(key) ? `${formatDateTime(value)}（北京时间）` : value;
  if (typeof value === 'object') return JSON.stringify(value, null, 2);
  return String(value);
}

function pairs(list) {
  return h('dl', { class: 'audit-fields' },
    list.map(([k, v, code]) => h('div', null,
      h('dt', null, k, code ? h('code', { class: 'audit-key' }, code) : null),
      h('dd', null, typeof v === 'string' ? h('span', { class: 'audit-value' }, v) : v))));
}

export function auditDetail(r) {
  const data = r.data && typeof r.data === 'object' ? r.data : {};
  const keys = Object.keys(data);
  return h('div', { class: 'audit-detail' },
    pairs([
      ['编号', String(r.id)],
      ['时间', `${formatDateTime(r.at)}（北京时间）`],
      ['操作', r.action_label ?? r.action, r.action],
      ['操作人', r.actor_name ?? '—'],
      ['所属单位', r.actor_org ?? '—'],
      ['角色', roleName(r.actor_role)],
      ['账号编号', r.actor_id == null ? '—' : String(r.actor_id)],
      ['对象', `${r.entity_label ?? r.entity}${r.entity_id ? ` ${r.entity_id}` : ''}`, r.entity],
      ['请求号', r.request_id ?? '—'],
      ['IP', r.ip ?? '—'],
    ]),
    h('h3', { class: 'audit-detail-head' }, '记录内容'),
    keys.length
      ? pairs(keys.map((k) => [DATA_LABELS[k] ?? k, valueText(k, data[k]), DATA_LABELS[k] ? k : null]))
      : h('p', { class: 'muted' }, '无'),
    h('details', { class: 'audit-raw' },
      h('summary', null, '原始 JSON'),
      h('pre', null, JSON.stringify(data, null, 2))));
}

export function openAuditDetail(r) {
  return viewDialog({ title: `审计记录 ${r.id}：${r.action_label ?? r.action}`, body: auditDetail(r), className: 'dialog-wide' });
}
