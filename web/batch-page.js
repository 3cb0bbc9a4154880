// The head of every page about one batch: the way back, the title with its
// status, the key dates, and the links between the batch's sections.
// Admin: 基本信息 · 名额 · 联系人 under /batches/{id}, and from 评审中 on
// 初评 · 实地抽检 · 评分标准 · 专家与回避 · 专家分配 · 评分进度 ·
// 排名与建议名单 · 公示与异议 · 认定命名; recommender:
// 名额与联系人 · 申报邀请码 under /my/batches/{id}.
import { h } from './dom.js';
import { api, ApiError } from './api.js';
import { loading, failure } from './states.js';
import { subnav, batchBadge, deadline, facts } from './widgets.js';
import { EVALUATED } from './evaluation.js';

// The page's title in the tab: "<text> - <site name>".
export function setPageTitle(text) {
  const t = document.title;
  const site = t.includes(' - ') ? t.slice(t.lastIndexOf(' - ') + 3) : t;
  document.title = `${text} - ${site}`;
}

// GET /batches/{id} → the batch. A malformed id is a 404 like the server's.
export function loadBatch(id, signal) {
  return api('GET', `/batches/${encodeURIComponent(id)}`, undefined, { signal });
}

// From 评审中 on, the evaluation's sections follow.
export function adminSections(batch) {
  const id = batch.id;
  return [
    { href: `/batches/${id}`, label: '基本信息' },
    { href: `/batches/${id}/quotas`, label: '名额' },
    { href: `/batches/${id}/contacts`, label: '联系人' },
    ...(EVALUATED.has(batch.status) ? [
      { href: `/batches/${id}/review`, label: '初评' },
      { href: `/batches/${id}/sample`, label: '实地抽检' },
      { href: `/batches/${id}/rubric`, label: '评分标准' },
      { href: `/batches/${id}/experts`, label: '专家与回避' },
      { href: `/batches/${id}/assignments`, label: '专家分配' },
      { href: `/batches/${id}/progress`, label: '评分进度' },
      { href: `/batches/${id}/ranking`, label: '排名与建议名单' },
      { href: `/batches/${id}/carry-over`, label: '终期优秀转入' },
      { href: `/batches/${id}/publicity`, label: '公示与异议' },
      { href: `/batches/${id}/naming`, label: '认定命名' },
    ] : []),
  ];
}

export function recommenderSections(id) {
  return [
    { href: `/my/batches/${id}`, label: '名额与联系人' },
    { href: `/my/batches/${id}/invitations`, label: '申报邀请码' },
  ];
}

// The head: breadcrumb, h1 (batch title + status), dates, sub-navigation.
// role: 'admin' | 'recommender'; current: the href of this section.
export function batchHead(batch, { role, current }) {
  const admin = role === 'admin';
  const sections = admin ? adminSections(batch) : recommenderSections(batch.id);
  return h('div', { class: 'page-head batch-head' },
    h('p', { class: 'breadcrumb' },
      h('a', { href: admin ? '/batches' : '/my/batches', dataset: { link: '' } }, admin ? '批次管理' : '推荐工作'),
      h('span', { 'aria-hidden': 'true' }, ' / '),
      h('span', null, batch.code)),
    h('h1', { class: 'title-with-badge' }, h('span', null, batch.title), batchBadge(batch.status)),
    facts([
      ['批次编号', batch.code],
      ['任期', `${batch.term_start_year}–${batch.term_end_year} 年`],
      ['联系人报送截止', deadline(batch.contact_deadline)],
      ['单位提交截止', batch.submit_deadline && deadline(batch.submit_deadline)],
      ['推荐截止', deadline(batch.recommend_deadline)],
    ], 'facts-inline'),
    h('p', { class: 'muted small' }, '时间均为北京时间（UTC+8）。'),
    subnav(admin ? '批次页面' : '本批次的推荐工作', sections, current));
}

// Loads the batch (loading state, then the error with 重试, 404 without)
// and hands it to show(batch). `titleSuffix` completes the tab title.
export function withBatch(root, id, signal, show, { titleSuffix = '' } = {}) {
  const load = async () => {
    loading(root);
    let batch;
    try {
      batch = await loadBatch(id, signal);
    } catch (err) {
      if (signal.aborted) return;
      const missing = err instanceof ApiError && err.status === 404;
      failure(root, err, { title: missing ? '批次不存在' : '批次加载失败', onRetry: missing ? null : load });
      return;
    }
    if (signal.aborted) return;
    setPageTitle(`${batch.title}${titleSuffix}`);
    show(batch);
  };
  load();
}
