// The applicant's workbench (工作台): each of its applications with its
// status, the deadline that applies to it with the time left, and what to
// do next in words, with the link that does it.
import { h, replace } from './dom.js';
import { api, listAll } from './api.js';
import { APPLICATION_STATUS, isPast, label } from './format.js';
import { loadingBlock, errorBlock } from './states.js';
import { applicationName } from './appform.js';
import { missingNames } from './completeness.js';
import { applicationBadge, fastTrackBadge } from './widgets.js';
import { countdown } from './countdown.js';

// The deadline that binds `app` in `batch`: a draft's is the unit
// submission deadline when the batch has one (a returned application may
// be resubmitted until the recommend deadline). → { label, value }
export function deadlineFor(app, batch) {
  if (app.status === 'draft' && batch.submit_deadline) return { label: '单位提交截止', value: batch.submit_deadline };
  return { label: '推荐截止', value: batch.recommend_deadline };
}

// Statuses in which a deadline still lies ahead of the applicant.
const PENDING = new Set(['draft', 'returned', 'submitted']);

// What to do next. → { text, link?, linkText?, tone }
//   missing: missingNames of a draft (web/completeness.js) (null when not known)
export function nextStep(app, batch, missing) {
  const page = `/applications/${app.id}`;
  const open = batch?.status === 'open';
  const late = batch && isPast(deadlineFor(app, batch).value);
  switch (app.status) {
  case 'draft':
    if (!open || late) {
      return { text: '单位提交已截止，本申报未能提交。', link: page, linkText: '查看申报表', tone: 'muted' };
    }
    if (missing?.length) {
      return { text: `完成申报表并上传盖章申报表（还缺 ${missing.length} 项：${missing.slice(0, 3).join('、')}${missing.length > 3 ? '等' : ''}）。`,
        link: page, linkText: '填写申报表', tone: 'todo' };
    }
    return { text: '申报表已填写完整，请提交给推荐单位。', link: page, linkText: '去提交', tone: 'todo' };
  case 'returned':
    if (!open || late) return { text: '推荐已截止，退回的申报未能重新提交。', link: page, linkText: '查看申报表', tone: 'muted' };
    return { text: '推荐单位退回修改：请按退回意见修改后重新提交。', link: page, linkText: '修改并重新提交', tone: 'todo' };
  case 'submitted':
    return { text: '已提交，等待推荐单位审核。', link: page, linkText: '查看申报表', tone: 'wait' };
  case 'recommended':
    return { text: '已获推荐，等待中国科协初评。', link: page, linkText: '查看申报表', tone: 'wait' };
  case 'not_recommended':
    return { text: '推荐单位不予推荐。', link: page, linkText: '查看原因', tone: 'muted' };
  case 'expired':
    return { text: '推荐截止时未获推荐，按自愿放弃办理。', link: page, linkText: '查看申报表', tone: 'muted' };
  default:
    return { text: `${label(APPLICATION_STATUS, app.status)}。`, link: page, linkText: '查看申报表', tone: 'wait' };
  }
}

function appBlock(app, batch, missing, signal) {
  const step = nextStep(app, batch, missing);
  const when = batch && PENDING.has(app.status) && batch.status === 'open' ? deadlineFor(app, batch) : null;
  const titleId = `bench-app-${app.id}`;
  return h('article', { class: `card app-card bench-app bench-${step.tone}`, dataset: { id: String(app.id) }, 'aria-labelledby': titleId },
    h('h3', { class: 'card-title title-with-badge', id: titleId },
      h('span', null, applicationName(app)), applicationBadge(app.status), fastTrackBadge(app.fast_track)),
    h('p', { class: 'bench-batch' }, batch ? `${batch.title}（${batch.code}）` : `批次 #${app.batch_id}`,
      ` · 申报单位：${app.unit_name} · ${app.region} · 推荐单位：${app.recommender_name}`),
    when && countdown(when.label, when.value, signal),
    app.status === 'returned' && app.return_reason && h('p', { class: 'bench-reason' }, `退回意见：${app.return_reason}`),
    h('div', { class: 'next-step' },
      h('p', { class: 'next-step-text' }, h('strong', null, '下一步：'), step.text),
      step.link && h('a', {
        class: step.tone === 'todo' ? 'button' : 'button button-secondary', href: step.link,
        dataset: { link: '' }, 'aria-describedby': titleId,
      }, step.linkText)));
}

// 我的申报 on the workbench. → a section that loads itself.
export function applicantWorkbench(signal) {
  const body = h('div', null, loadingBlock());
  const box = h('section', { class: 'section-tight bench', 'aria-labelledby': 'my-app-title' },
    h('h2', { id: 'my-app-title' }, '我的申报'), body);
  const load = async () => {
    replace(body, loadingBlock());
    let apps, batches, details;
    try {
      apps = await listAll('/applications', {}, { signal, limit: 50, maxPages: 10 });
      const ids = [...new Set(apps.map((a) => a.batch_id))];
      batches = new Map(await Promise.all(ids.map(async (id) => [id, await api('GET', `/batches/${id}`, undefined, { signal })])));
      // a draft's completeness needs its form and files
      details = new Map(await Promise.all(apps.filter((a) => a.status === 'draft')
        .map(async (a) => [a.id, await api('GET', `/applications/${a.id}`, undefined, { signal })])));
    } catch (err) {
      if (signal.aborted) return;
      replace(body, errorBlock(err, { title: '申报加载失败', onRetry: load }));
      return;
    }
    if (signal.aborted) return;
    replace(body, apps.length
      ? h('div', { class: 'app-cards' }, apps.map((a) => appBlock(a, batches.get(a.batch_id),
        details.has(a.id) ? missingNames(details.get(a.id)) : null, signal)))
      : h('p', { class: 'muted' }, '暂无申报。'));
  };
  load();
  return box;
}
