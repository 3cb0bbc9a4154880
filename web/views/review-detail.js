// One application, read only, for the recommender (/review/{id}) and the
// admin (/admin/applications/{id}): the whole 申报表 with its attachments
// and its 办理记录 (app-history.js).
// The recommender also gets the actions its status allows — 推荐 (with a
// 推荐意见, within the quota shown beside it), 退回修改 and 不予推荐 (with a
// reason), 撤回推荐 (with a reason) — each asked in a dialog. With the quota
// used up, or past the deadline, the buttons stay, disabled, with the
// reason beside them (review-queue.js); the server's refusal shows in the
// dialog all the same, and after an action the page reloads.
// The admin gets, from 评审中 on, the 评审 panel: the initial review (初评,
// changeable in a dialog until the on-site sample is drawn) and whether
// the sample drew it, with its on-site check.
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { formatDeadline, formatDateTime } from '../format.js';
import { loading, failure } from '../states.js';
import { textDialog } from '../dialog.js';
import { setPageTitle } from '../batch-page.js';
import { badge, facts } from '../widgets.js';
import { unitPanel } from '../unit-profile.js';
import { EVALUATED, REVIEWABLE, RESULT, loadSample, resultBadge, byline } from '../evaluation.js';
import {
  applicationFacts, applicationSections, applicationTitle, outcomeNotice, applicationName,
} from '../appform.js';
import { applicationDocuments, applicationNumber, sheetLinks } from '../documents.js';
import { historySection } from '../app-history.js';
import { recommendBlocked, reviewClosed, timeLeft } from '../review-queue.js';

export const title = '申报详情';

// Where the application stands, for the recommender, when there is nothing to do.
const REVIEW_NOTE = {
  draft: '申报单位尚未提交，提交后才能审核。',
  returned: '已退回申报单位修改，等待重新提交。',
  not_recommended: '已决定不予推荐。',
  expired: '推荐截止时未获推荐，按自愿放弃办理。',
};

export function render(root, { params, signal, user }) {
  const reviewer = user.role === 'recommender';
  const listPath = reviewer ? '/review' : '/admin/applications';

  async function load({ notice, focus = false } = {}) {
    loading(root);
    let app;
    try {
      app = await api('GET', `/applications/${encodeURIComponent(params.id)}`, undefined, { signal });
    } catch (err) {
      if (signal.aborted) return;
      const missing = err instanceof ApiError && err.status === 404;
      failure(root, err, { title: missing ? '申报不存在' : '申报加载失败', onRetry: missing ? null : () => load() });
      return;
    }
    const [batch, quota] = await Promise.all([
      api('GET', `/batches/${app.batch_id}`, undefined, { signal }).catch(() => null),
      reviewer
        ? api('GET', `/batches/${app.batch_id}/quotas`, undefined, { signal }).then((a) => a?.items?.[0] ?? null).catch(() => null)
        : null,
    ]);
    const sample = !reviewer && batch && EVALUATED.has(batch.status)
      ? await loadSample(app.batch_id, signal).catch(() => undefined) : undefined;
    if (signal.aborted) return;
    setPageTitle(`${applicationName(app)} · 申报详情`);
    show(app, batch, quota, notice, sample);
    if (focus) (root.querySelector('#review-notice') ?? root.querySelector('h1'))?.focus();
  }

  function show(app, batch, quota, notice, sample) {
    const h1 = applicationTitle(app);
    h1.setAttribute('tabindex', '-1');
    replace(root,
      h('section', { class: 'page page-application' },
        h('div', { class: 'page-head' },
          h('p', { class: 'breadcrumb' },
            h('a', { href: listPath, dataset: { link: '' } }, reviewer ? '申报审核' : '申报管理'),
            h('span', { 'aria-hidden': 'true' }, ' / '),
            h('span', null, `申报编号 ${applicationNumber(app)}`)),
          h1,
          applicationFacts(app, batch?.title),
          applicationDocuments(app),
          reviewer && sheetLinks(app.batch_id)),
        notice && h('p', {
          class: `form-message form-message-${notice.kind ?? 'ok'}`, id: 'review-notice', tabindex: '-1',
          role: notice.kind === 'error' ? 'alert' : 'status',
        }, notice.text),
        outcomeNotice(app),
        reviewer && actions(app, batch, quota),
        !reviewer && batch && EVALUATED.has(batch.status) && evaluation(app, batch, sample),
        unitPanel(app.applicant_id, { signal, title: '申报单位信息' }),
        applicationSections(app),
        historySection(app.id, { signal })));
  }

  function quotaText(quota) {
    return quota ? `已推荐 ${quota.used} / 名额 ${quota.quota}` : '本批次未下达推荐名额';
  }

  function actions(app, batch, quota) {
    // Past the deadline (or the stage) nothing may be done; with the quota
    // used up, only 推荐 is refused. The reason shows before anyone writes.
    const blocked = recommendBlocked(batch, quota);
    const closed = reviewClosed(batch) != null;
    const reason = app.status === 'submitted' ? blocked : reviewClosed(batch);
    const why = reason && h('p', { class: 'review-blocked', id: 'review-blocked' }, reason);
    const off = (button) => {
      button.disabled = true;
      button.setAttribute('aria-describedby', 'review-blocked');
      return button;
    };
    const buttons = [];
    const unit = app.unit_name;
    let refused = null; // a 409 met in a dialog: the page is out of date

    // Runs an action; a 409 is remembered so the page reloads after the dialog.
    const act = (path, body) => async (text) => {
      try {
        await api('POST', `/applications/${app.id}/${path}`, body?.(text), { signal });
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) refused = err;
        throw err;
      }
    };
    const after = (done, okText) => {
      if (signal.aborted) return;
      if (done != null) load({ notice: { text: okText }, focus: true });
      else if (refused) load({ notice: { kind: 'error', text: `未能完成：${refused.message}` }, focus: true });
    };

    if (app.status === 'submitted') {
      const recommend = h('button', { type: 'button', class: 'button', id: 'review-recommend' }, '推荐');
      const ret = h('button', { type: 'button', class: 'button button-secondary', id: 'review-return' }, '退回修改');
      const decline = h('button', { type: 'button', class: 'button button-danger-outline', id: 'review-decline' }, '不予推荐');
      buttons.push(recommend, ret, decline);
      if (blocked) off(recommend);
      if (closed) [ret, decline].forEach(off);
      recommend.addEventListener('click', async () => {
        refused = null;
        const done = await textDialog({
          id: 'recommend-dialog', title: `推荐“${unit}”`,
          intro: h('div', null,
            h('p', null, `推荐将占用本单位在本批次的一个推荐名额（${quotaText(quota)}）。推荐截止前可以撤回推荐。`)),
          label: '推荐意见', field: 'opinion', maxLength: 2000,
          hint: '推荐单位对该申报的意见，将随申报报送中国科协，申报单位也会看到。',
          confirmText: '推荐',
          onSubmit: act('recommend', (opinion) => ({ opinion })),
        });
        after(done, '已推荐，申报单位会收到通知。');
      });
      ret.addEventListener('click', async () => {
        refused = null;
        const done = await textDialog({
          id: 'return-dialog', title: `退回修改“${unit}”`,
          intro: '申报将退回给申报单位修改，对方修改后可以重新提交。',
          label: '原因', field: 'reason', maxLength: 1000,
          hint: '说明需要修改或补充的内容，申报单位会看到。',
          confirmText: '退回修改',
          onSubmit: act('return', (reason) => ({ reason })),
        });
        after(done, '已退回修改，申报单位会收到通知。');
      });
      decline.addEventListener('click', async () => {
        refused = null;
        const done = await textDialog({
          id: 'decline-dialog', title: `不予推荐“${unit}”`,
          intro: '决定不予推荐后，申报单位不能再修改和提交这份申报。',
          label: '原因', field: 'reason', maxLength: 1000,
          hint: '申报单位会看到这个原因。',
          confirmText: '不予推荐', danger: true,
          onSubmit: act('decline', (reason) => ({ reason })),
        });
        after(done, '已决定不予推荐，申报单位会收到通知。');
      });
    }
    if (app.status === 'recommended') {
      const withdraw = h('button', { type: 'button', class: 'button button-danger-outline', id: 'review-withdraw' }, '撤回推荐');
      buttons.push(closed ? off(withdraw) : withdraw);
      withdraw.addEventListener('click', async () => {
        refused = null;
        const done = await textDialog({
          id: 'withdraw-dialog', title: `撤回对“${unit}”的推荐`,
          intro: '申报回到“已提交”状态，释放一个推荐名额；之后可以重新审核。',
          label: '撤回原因', field: 'reason', maxLength: 500,
          hint: '申报单位会在申报页面和通知中看到这个原因。',
          confirmText: '撤回推荐', danger: true,
          onSubmit: act('withdraw-recommendation', (reason) => ({ reason })),
        });
        after(done, '已撤回推荐，推荐名额已释放，申报单位会收到通知。');
      });
    }

    const note = buttons.length ? null
      : REVIEW_NOTE[app.status] ?? (app.status === 'recommended' ? '已推荐。' : '当前状态不需要审核操作。');

    return h('section', { class: 'panel review-panel', 'aria-labelledby': 'review-title' },
      h('div', { class: 'panel-head' },
        h('h2', { id: 'review-title' }, '审核'),
        h('p', { class: 'quota-inline', id: 'review-quota' }, `本批次推荐名额：${quotaText(quota)}`)),
      batch && h('p', { class: 'muted small' }, '推荐截止：',
        h('time', { datetime: batch.recommend_deadline }, formatDeadline(batch.recommend_deadline)), '（北京时间）',
        batch.status === 'open' && `，${timeLeft(batch.recommend_deadline)}`),
      note && h('p', { class: 'review-note' }, note),
      buttons.length > 0 && why,
      buttons.length > 0 && h('div', { class: 'form-actions' }, buttons));
  }

  // The admin's 评审 panel. sample: the batch's, null before it is drawn,
  // undefined when it could not be read (then nothing is offered).
  function evaluation(app, batch, sample) {
    const review = app.initial_review;
    const open = batch.status === 'evaluating' && sample === null && REVIEWABLE.has(app.status);
    const button = open ? h('button', { type: 'button', class: 'button', id: 'eval-review' }, review ? '修改初评' : '初评') : null;
    button?.addEventListener('click', async () => {
      const done = await textDialog({
        id: 'initial-review-dialog', title: `初评“${applicationName(app)}”`,
        intro: review ? `当前初评结论：${RESULT[review.result]}。抽取实地抽检样本之前可以修改。` : null,
        choice: { legend: '初评结论', choices: RESULT, value: review?.result },
        label: '初评意见', required: false, maxLength: 2000, field: 'comments', value: review?.comments ?? '',
        hint: '不通过时必须写明意见。申报单位和推荐单位会收到通知。',
        confirmText: '提交初评',
        onSubmit: (comments, result) => api('POST', `/applications/${app.id}/initial-review`, { result, comments }, { signal }),
      });
      if (done != null && !signal.aborted) load({ notice: { text: '已提交初评，申报单位和推荐单位会收到通知。' }, focus: true });
    });

    const drawn = sample?.selected?.includes(app.id);
    const check = app.onsite_check;
    const onsitePath = `/batches/${batch.id}/onsite/${app.id}`;
    return h('section', { class: 'panel review-panel', 'aria-labelledby': 'eval-title' },
      h('div', { class: 'panel-head' },
        h('h2', { id: 'eval-title' }, '评审'),
        h('a', { href: `/batches/${batch.id}/review`, dataset: { link: '' } }, '返回本批次初评')),
      facts([
        ['初评', review
          ? h('div', { id: 'eval-initial' }, resultBadge(review.result),
            review.comments && h('p', { class: 'review-comments' }, review.comments),
            h('p', { class: 'small muted' }, byline(review)))
          : h('span', { id: 'eval-initial', class: 'muted' }, '尚未初评')],
        ['实地抽检', sample === undefined ? null : sample === null
          ? h('span', { class: 'muted' }, '尚未抽取样本')
          : drawn
            ? h('span', { id: 'eval-onsite' }, badge('已抽中', 'info'),
              check ? [resultBadge(check.result, '核查'), `${check.visited_on} `] : h('span', { class: 'muted' }, '尚未核查 '),
              h('a', { href: onsitePath, dataset: { link: '' } }, check ? '查看核查记录' : '填写核查记录'))
            : h('span', { id: 'eval-onsite', class: 'muted' }, `未抽中（${formatDateTime(sample.created_at)} 抽取）`)],
      ], 'facts-compact eval-facts'),
      !open && sample && REVIEWABLE.has(app.status) && h('p', { class: 'muted small' }, '已抽取实地抽检样本，初评结果不能再更改。'),
      button && h('div', { class: 'form-actions' }, button));
  }

  load();
}
