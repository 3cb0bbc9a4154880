// One batch (admin), section 公示与异议: publishing the notice of the
// proposed list (title, text, window in Beijing time; the batch moves to
// 公示中), extending its window (never shortening it), and the objection
// desk: the batch's objections with the objector's details, filtered by
// status, each decided once with a reply — 异议成立 withdraws the
// application, so it asks first and says so.
import { h, replace } from '../dom.js';
import { api, listAll, query } from '../api.js';
import { field, submitButton, formMessage, showApiErrors } from '../forms.js';
import { loadingBlock, errorBlock, emptyBlock } from '../states.js';
import { confirmDialog, textDialog } from '../dialog.js';
import { facts } from '../widgets.js';
import { formatDeadline, toChinaInput, fromChinaInput, charCount } from '../format.js';
import { withBatch, batchHead } from '../batch-page.js';
import { countStatus } from '../evaluation.js';
import {
  loadBatchNotice, noticeBadge, noticeWindow, noticeState, objectionBadge, OBJECTION_STATUS, paragraphs, showReceipt,
} from '../publicity.js';

export const title = '公示与异议';

const DAY_MS = 24 * 3600e3;
const TITLE_MAX = 200;
const BODY_MAX = 20000;
const REPLY_MAX = 5000;

// The default window: from the next whole hour, seven days, ending at
// 24:00 Beijing time.
function defaultWindow(now = Date.now()) {
  const start = new Date(Math.ceil(now / 3600e3) * 3600e3);
  const china = new Date(start.getTime() + 8 * 3600e3);
  const endDay = Date.UTC(china.getUTCFullYear(), china.getUTCMonth(), china.getUTCDate() + 8) - 8 * 3600e3;
  return { starts: toChinaInput(start.toISOString()), ends: toChinaInput(new Date(endDay).toISOString()) };
}

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/publicity`;
  withBatch(root, params.id, signal, (batch) => show(batch), { titleSuffix: ' · 公示与异议' });

  function show(batch, { flash } = {}) {
    const area = h('div', null, loadingBlock());
    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        flash && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'publicity-notice', tabindex: '-1' }, flash),
        area));
    const load = async () => {
      replace(area, loadingBlock());
      let notice; let proposed = 0;
      try {
        notice = await loadBatchNotice(batch.id, signal);
        if (!notice) proposed = await countStatus(batch.id, 'proposed', signal);
      } catch (err) {
        if (signal.aborted) return;
        replace(area, errorBlock(err, { title: '公示加载失败', onRetry: load }));
        return;
      }
      if (signal.aborted) return;
      if (notice) replace(area, noticePanel(batch, notice), objectionDesk(batch, notice));
      else replace(area, publishPanel(batch, proposed));
    };
    load();
    if (flash) root.querySelector('#publicity-notice')?.focus();
  }

  // ---- publishing ----
  function publishPanel(batch, proposed) {
    const head = h('h2', { id: 'publish-title', tabindex: '-1' }, '发布公示');
    if (batch.status !== 'evaluating' || proposed === 0) {
      return h('section', { class: 'panel', 'aria-labelledby': 'publish-title' }, head,
        h('p', { class: 'status-note', id: 'publish-blocked' }, batch.status === 'evaluating'
          ? '还没有拟认定的申报：请先在“排名与建议名单”中确定建议名单，再发布公示。'
          : '本批次没有公示。公示须在评审阶段、建议名单确定之后发布。'));
    }
    const win = defaultWindow();
    const fields = {
      title: field({ id: 'publish-title-input', label: '公示标题',
        attrs: { type: 'text', required: true, maxlength: TITLE_MAX, value: `${batch.title}拟认定全国科普教育基地名单公示` } }),
      body: field({ id: 'publish-body', label: '公示正文', multiline: true,
        hint: '公示的说明：公示期、异议的提出方式和受理单位等。空一行分段。', attrs: { rows: 8, maxlength: BODY_MAX } }),
      starts_at: field({ id: 'publish-starts', label: '公示开始（北京时间）',
        attrs: { type: 'datetime-local', required: true, value: win.starts } }),
      ends_at: field({ id: 'publish-ends', label: '公示结束（北京时间）', hint: '结束后不再受理异议；公示期只能延长，不能缩短。',
        attrs: { type: 'datetime-local', required: true, value: win.ends } }),
    };
    fields.body.input.value = `经推荐单位推荐、初评、实地抽检和专家终评，现将${batch.title}拟认定的全国科普教育基地名单予以公示。\n\n`
      + '公示期内，对名单中的单位有异议的，请在本页面实名提出，写明事实和理由。匿名或不实的异议不予受理。';
    const message = formMessage('publish-message');
    const submit = submitButton('发布公示', '正在发布…');
    submit.id = 'publish-submit';
    const form = h('form', { class: 'form form-wide', novalidate: true, 'aria-labelledby': 'publish-title' },
      fields.title.wrap, fields.body.wrap,
      h('div', { class: 'form-grid' }, fields.starts_at.wrap, fields.ends_at.wrap),
      message, h('div', { class: 'form-actions' }, submit));

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.show(null);
      const v = {
        title: fields.title.value().trim(), body: fields.body.value().trim(),
        starts_at: fromChinaInput(fields.starts_at.value()), ends_at: fromChinaInput(fields.ends_at.value()),
      };
      let firstBad = null;
      const fail = (k, text) => { fields[k].setError(text); firstBad ??= fields[k].input; };
      if (!v.title) fail('title', '请填写公示标题');
      else if (charCount(v.title) > TITLE_MAX) fail('title', `公示标题不能超过 ${TITLE_MAX} 字`);
      if (charCount(v.body) > BODY_MAX) fail('body', `公示正文不能超过 ${BODY_MAX} 字`);
      if (!v.starts_at) fail('starts_at', '请填写公示开始时间');
      if (!v.ends_at) fail('ends_at', '请填写公示结束时间');
      else if (v.starts_at && Date.parse(v.ends_at) <= Date.parse(v.starts_at)) fail('ends_at', '结束时间须晚于开始时间');
      if (firstBad) { firstBad.focus(); return; }
      const ok = await confirmDialog({
        title: '发布公示？',
        body: h('div', null,
          h('p', { id: 'publish-confirm-text' }, `${proposed} 个拟认定申报将向社会公示，公示期 ${formatDeadline(v.starts_at)} 至 ${formatDeadline(v.ends_at)}（北京时间）。`),
          h('p', null, '批次将进入“公示中”。公示名单发布后不能修改，公示期只能延长。')),
        confirmText: '发布',
      });
      if (!ok || signal.aborted) return;
      submit.busy(true);
      try {
        await api('POST', `/batches/${batch.id}/publicity`, v, { signal });
      } catch (err) {
        if (signal.aborted) return;
        submit.busy(false);
        showApiErrors(err, fields, message, { title: '发布失败', fallbackFocus: submit });
        return;
      }
      if (signal.aborted) return;
      const fresh = await api('GET', `/batches/${batch.id}`, undefined, { signal }).catch(() => batch);
      if (signal.aborted) return;
      show(fresh, { flash: `公示已发布：${proposed} 个拟认定申报。` });
    });
    return h('section', { class: 'panel', 'aria-labelledby': 'publish-title' }, head,
      h('p', null, `建议名单中有 ${proposed} 个拟认定申报。公示名单按所在地区（GB/T 2260 顺序）、单位名称排列，发布时固定。`),
      form);
  }

  // ---- the notice and its extension ----
  function noticePanel(batch, notice) {
    const state = noticeState(notice);
    const rows = notice.rows?.length;
    const extendable = state !== 'ended';
    const ends = field({ id: 'extend-ends', label: '新的结束时间（北京时间）', hint: '只能晚于当前结束时间。',
      attrs: { type: 'datetime-local', required: true, value: toChinaInput(notice.ends_at) } });
    const message = formMessage('extend-message');
    const submit = submitButton('延长公示期', '正在保存…');
    submit.id = 'extend-submit';
    const form = extendable && h('form', { class: 'form inline-search', novalidate: true, 'aria-labelledby': 'extend-title' },
      h('h3', { id: 'extend-title' }, '延长公示期'),
      ends.wrap, message, h('div', { class: 'form-actions' }, submit));
    form?.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.show(null);
      const value = fromChinaInput(ends.value());
      if (!value) { ends.setError('请填写新的结束时间'); ends.input.focus(); return; }
      if (Date.parse(value) <= Date.parse(notice.ends_at)) {
        ends.setError(`须晚于当前结束时间 ${formatDeadline(notice.ends_at)}`);
        ends.input.focus();
        return;
      }
      submit.busy(true);
      try {
        await api('PATCH', `/notices/${notice.id}`, { ends_at: value }, { signal });
      } catch (err) {
        if (signal.aborted) return;
        submit.busy(false);
        showApiErrors(err, { ends_at: ends }, message, { title: '延长失败', fallbackFocus: submit });
        return;
      }
      if (signal.aborted) return;
      show(batch, { flash: `公示期已延长至 ${formatDeadline(value)}（北京时间）。` });
    });
    return h('section', { class: 'panel', 'aria-labelledby': 'notice-title' },
      h('div', { class: 'panel-head' },
        h('h2', { id: 'notice-title', class: 'title-with-badge' }, h('span', null, '公示'), noticeBadge(notice)),
        h('a', { class: 'button button-secondary', id: 'notice-public-link', href: `/notices/${notice.id}`, dataset: { link: '' } }, '查看公示页面')),
      facts([
        ['标题', notice.title],
        ['公示期', noticeWindow(notice)],
        ['公示名单', rows != null ? `${rows} 个` : null],
      ], 'facts-compact'),
      state === 'upcoming' && h('p', { class: 'muted small' }, '公示开始前，公示页面不对外公开。'),
      form || h('p', { class: 'muted small', id: 'extend-closed' }, '公示期已结束，不能再延长。'));
  }

  // ---- the objection desk ----
  function objectionDesk(batch, notice) {
    const params = new URLSearchParams(location.search);
    const status = field({ id: 'objections-status', label: '处理状态',
      options: [{ value: '', label: '全部' },
        ...Object.entries(OBJECTION_STATUS).map(([value, text]) => ({ value, label: text, selected: value === params.get('status') }))] });
    const summary = h('p', { class: 'muted table-summary', role: 'status', id: 'objections-summary' });
    const list = h('div', null, loadingBlock());
    const rowsById = new Map((notice.rows ?? []).map((r) => [r.application_id, r]));
    const section = h('section', { class: 'panel', 'aria-labelledby': 'objections-title' },
      h('h2', { id: 'objections-title', tabindex: '-1' }, '异议处理'),
      h('p', { class: 'muted' }, '异议人的姓名和联系方式仅在此处显示，用于核实异议，不得对外公开。每条异议须作出处理结论并答复；处理后不能更改。'),
      h('div', { class: 'filters filters-inline' }, h('div', { class: 'filter-fields filter-fields-narrow' }, status.wrap)),
      summary, list);

    const load = async () => {
      replace(list, loadingBlock());
      let items; let open;
      try {
        [items, open] = await Promise.all([
          listAll(`/batches/${batch.id}/objections`, { status: status.value() }, { signal }),
          status.value() === 'received' ? null : listAll(`/batches/${batch.id}/objections`, { status: 'received' }, { signal })]);
      } catch (err) {
        if (signal.aborted) return;
        replace(list, errorBlock(err, { title: '异议加载失败', onRetry: load }));
        return;
      }
      if (signal.aborted) return;
      const waiting = (open ?? items).length;
      replace(summary, status.value()
        ? `${OBJECTION_STATUS[status.value()]}：${items.length} 条。`
        : `共 ${items.length} 条异议，${waiting ? `${waiting} 条待处理` : '均已处理'}。`);
      replace(list, items.length
        ? h('ol', { class: 'objection-list' }, items.map(card))
        : emptyBlock(status.value() ? '没有这种状态的异议' : '还没有异议', status.value() ? null : '公示期内公众提出的异议会列在这里。'));
    };
    status.input.addEventListener('change', () => {
      history.replaceState(null, '', `${current}${query({ status: status.value() })}`);
      load();
    });

    function card(o) {
      const row = o.unit_name ? o : rowsById.get(o.application_id);
      const what = row ? `${row.no}. ${row.unit_name} · ${row.base_name}` : `申报 #${o.application_id}`;
      const decide = (result) => async () => {
        const upheld = result === 'upheld';
        await textDialog({
          id: `finding-${o.id}`,
          title: upheld ? `认定异议成立：${row?.unit_name ?? what}？` : '认定异议不成立？',
          intro: h('div', null,
            h('p', null, `异议对象：${what}`),
            upheld
              ? h('p', { class: 'warn-text', id: 'finding-warning' },
                `异议成立后，“${row?.unit_name ?? what}”的申报将撤销（状态改为“异议成立撤销”），不予认定；申报单位和推荐单位会收到通知。此结论不能更改。`)
              : h('p', null, '异议不成立，申报维持“拟认定”。此结论不能更改。'),
            h('p', { class: 'muted small' }, '答复将通过回执编号向异议人公开，请勿写入异议人的个人信息。')),
          label: '答复', field: 'reply', maxLength: REPLY_MAX,
          confirmText: upheld ? '确认异议成立' : '确认异议不成立', danger: upheld,
          onSubmit: (reply) => api('POST', `/objections/${o.id}/finding`, { result, reply }, { signal }),
        }).then((reply) => {
          if (reply != null && !signal.aborted) {
            load();
            section.querySelector('#objections-title')?.focus();
          }
        });
      };
      return h('li', { class: 'objection-card', dataset: { id: String(o.id), status: o.status } },
        h('div', { class: 'objection-head' },
          h('h3', { id: `objection-${o.id}-title` }, `异议 ${o.id}：`, row?.unit_name ?? what),
          objectionBadge(o.status)),
        facts([
          ['异议对象', what],
          ['回执编号', o.receipt ? h('code', null, showReceipt(o.receipt)) : null],
          ['提出时间', o.created_at ? `${formatDeadline(o.created_at)}（北京时间）` : null],
          ['异议人', o.name],
          ['电话', o.phone],
          ['邮箱', o.email || '—'],
          ['单位', o.organization || '—'],
        ], 'facts-compact objection-facts'),
        h('div', { class: 'objection-content' }, h('h4', null, '异议内容'), paragraphs(o.content)),
        o.status === 'received'
          ? h('div', { class: 'row-actions' },
            h('button', { type: 'button', class: 'button button-danger-outline', 'aria-describedby': `objection-${o.id}-title`, onclick: decide('upheld') }, '异议成立'),
            h('button', { type: 'button', class: 'button button-secondary', 'aria-describedby': `objection-${o.id}-title`, onclick: decide('dismissed') }, '异议不成立'))
          : h('div', { class: 'objection-reply' },
            h('h4', null, '答复', o.decided_at ? h('span', { class: 'muted small' }, `（${formatDeadline(o.decided_at)}）`) : null),
            paragraphs(o.reply)));
    }
    load();
    return section;
  }
}
