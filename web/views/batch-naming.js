// One batch (admin), section 认定命名: naming the batch once the notice's
// window is over and every objection has a finding — each 拟认定
// application becomes a base with a certificate number (KPJD-<year>-
// <6 digits>, in the notice's order, continuing the term's count) and the
// batch closes. The button says why it is disabled while it cannot be
// done, and a confirmation says what it will do and to how many. Once
// named: the batch's bases and the print file of their certificates.
import { h, replace } from '../dom.js';
import { api, listAll, query } from '../api.js';
import { field, submitButton, formMessage, showApiErrors } from '../forms.js';
import { loadingBlock, errorBlock } from '../states.js';
import { confirmDialog } from '../dialog.js';
import { facts } from '../widgets.js';
import { chinaToday, formatDeadline, charCount } from '../format.js';
import { withBatch, batchHead } from '../batch-page.js';
import { countStatus } from '../evaluation.js';
import { dataTable } from '../paged-list.js';
import { categoryName } from '../appform.js';
import {
  loadBatchNotice, noticeState, baseBadge, batchCertificatesPdf, certificatePdf, verifyPath,
} from '../publicity.js';

export const title = '认定命名';

const DECISION_MAX = 100;
const SHOWN = 50; // bases listed here; the rest on 基地管理

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/naming`;
  withBatch(root, params.id, signal, (batch) => show(batch), { titleSuffix: ' · 认定命名' });

  function show(batch, { flash } = {}) {
    const area = h('div', null, loadingBlock());
    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        flash && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'naming-notice', tabindex: '-1' }, flash),
        area));
    if (flash) root.querySelector('#naming-notice')?.focus();

    const load = async () => {
      replace(area, loadingBlock());
      try {
        if (batch.status === 'closed') {
          const page = await api('GET', `/bases${query({ batch_id: batch.id, limit: SHOWN })}`, undefined, { signal });
          if (signal.aborted) return;
          replace(area, namedPanel(batch, page));
          return;
        }
        const notice = batch.status === 'publicity' ? await loadBatchNotice(batch.id, signal) : null;
        const [proposed, waiting] = await Promise.all([
          countStatus(batch.id, 'proposed', signal),
          notice ? listAll(`/batches/${batch.id}/objections`, { status: 'received' }, { signal }).then((items) => items.length) : 0]);
        if (signal.aborted) return;
        replace(area, namingPanel(batch, notice, proposed, waiting));
      } catch (err) {
        if (signal.aborted) return;
        replace(area, errorBlock(err, { title: '认定命名加载失败', onRetry: load }));
      }
    };
    load();
  }

  // Why naming cannot be done now: [] when it can.
  function obstacles(batch, notice, proposed, waiting) {
    if (batch.status !== 'publicity' || !notice) return ['本批次还没有发布公示：公示期满、异议处理完毕后才能认定命名。'];
    const why = [];
    const state = noticeState(notice);
    if (state !== 'ended') why.push(`公示期尚未结束（${formatDeadline(notice.ends_at)} 结束，北京时间）。`);
    if (waiting > 0) why.push(`还有 ${waiting} 条异议没有处理结论（见“公示与异议”）。`);
    return why;
  }

  function namingPanel(batch, notice, proposed, waiting) {
    const why = obstacles(batch, notice, proposed, waiting);
    const fields = {
      named_on: field({ id: 'naming-date', label: '命名日期', hint: '认定命名决定的日期，印在证书上。',
        attrs: { type: 'date', required: true, value: chinaToday() } }),
      decision_no: field({ id: 'naming-decision', label: '命名文号（选填）', hint: '如 科协发普字〔2026〕12号。',
        attrs: { type: 'text', maxlength: DECISION_MAX } }),
    };
    const message = formMessage('naming-message');
    const submit = submitButton('认定命名', '正在命名…');
    submit.id = 'naming-submit';
    submit.disabled = why.length > 0;
    const blocked = why.length > 0 && h('div', { class: 'callout callout-warn', id: 'naming-blocked' },
      h('p', { class: 'callout-title' }, '暂不能认定命名'),
      h('ul', null, why.map((t) => h('li', null, t))));
    if (blocked) submit.setAttribute('aria-describedby', 'naming-blocked');
    const form = h('form', { class: 'form form-wide', novalidate: true, 'aria-labelledby': 'naming-title' },
      h('div', { class: 'form-grid' }, fields.named_on.wrap, fields.decision_no.wrap),
      blocked, message, h('div', { class: 'form-actions' }, submit));

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      message.show(null);
      const v = { named_on: fields.named_on.value(), decision_no: fields.decision_no.value().trim() };
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v.named_on)) { fields.named_on.setError('请填写命名日期'); fields.named_on.input.focus(); return; }
      if (charCount(v.decision_no) > DECISION_MAX) { fields.decision_no.setError(`命名文号不能超过 ${DECISION_MAX} 字`); fields.decision_no.input.focus(); return; }
      // Every row withdrawn after an objection: naming names none and closes the batch.
      const ok = proposed === 0 ? await confirmDialog({
        title: '结束本批次？',
        body: h('div', null,
          h('p', { id: 'naming-confirm-text' }, '公示名单中的申报均已因异议成立而撤回，没有可命名的基地。'),
          h('p', null, '认定命名将不产生任何基地，批次随即结束，不能再修改。')),
        confirmText: '结束批次',
        danger: true,
      }) : await confirmDialog({
        title: `认定命名 ${proposed} 个基地？`,
        body: h('div', null,
          h('p', { id: 'naming-confirm-text' },
            `${proposed} 个拟认定申报将被命名为全国科普教育基地（命名日期 ${v.named_on}）：`),
          h('ul', null,
            h('li', null, `按公示名单的顺序编发证书编号 KPJD-${batch.term_start_year}-……，接续本届期已发的编号；`),
            h('li', null, '为每个基地签署电子证书，公众可凭证书编号核验；'),
            h('li', null, '批次将结束，不能再修改。')),
          h('p', { class: 'warn-text' }, '认定命名不能撤销。')),
        confirmText: `命名 ${proposed} 个基地`,
        danger: true,
      });
      if (!ok || signal.aborted) return;
      submit.busy(true);
      let answer;
      try {
        const body = { named_on: v.named_on };
        if (v.decision_no) body.decision_no = v.decision_no;
        answer = await api('POST', `/batches/${batch.id}/naming`, body, { signal });
      } catch (err) {
        if (signal.aborted) return;
        submit.busy(false);
        showApiErrors(err, fields, message, { title: '认定命名失败', fallbackFocus: submit });
        return;
      }
      if (signal.aborted) return;
      const nos = (answer.bases ?? []).map((b) => b.certificate_no).sort();
      const fresh = await api('GET', `/batches/${batch.id}`, undefined, { signal }).catch(() => ({ ...batch, status: 'closed' }));
      if (signal.aborted) return;
      show(fresh, { flash: nos.length
        ? `已认定命名 ${answer.named} 个基地，证书编号 ${nos[0]} 至 ${nos[nos.length - 1]}。`
        : `已认定命名 ${answer.named} 个基地。` });
    });

    return h('section', { class: 'panel', 'aria-labelledby': 'naming-title' },
      h('h2', { id: 'naming-title', tabindex: '-1' }, '认定命名'),
      facts([
        ['拟认定申报', `${proposed} 个`],
        ['公示期', notice ? `${formatDeadline(notice.starts_at)} 至 ${formatDeadline(notice.ends_at)}（北京时间）` : '未公示'],
        ['待处理异议', notice ? `${waiting} 条` : null],
      ], 'facts-compact'),
      form);
  }

  // After naming: the bases (the first SHOWN) and the print file.
  function namedPanel(batch, page) {
    const items = page?.items ?? [];
    const table = dataTable({
      label: '本批次认定的基地', className: 'table table-cards bases-table',
      columns: ['基地名称 / 单位', '证书编号', '类别', '所在地区', '状态', '证书'],
    });
    table.tbody.append(...items.map((b) => h('tr', { dataset: { id: String(b.id) } },
      h('td', { class: 'cell-title' }, h('a', { href: `/admin/bases/${b.id}`, dataset: { link: '' } }, b.name),
        h('span', { class: 'block small muted' }, b.unit_name)),
      h('td', { class: 'nowrap', dataset: { label: '证书编号' } }, h('a', { href: verifyPath(b.certificate_no), dataset: { link: '' } }, b.certificate_no)),
      h('td', { dataset: { label: '类别' } }, categoryName(b.category)),
      h('td', { class: 'nowrap', dataset: { label: '所在地区' } }, b.region),
      h('td', { class: 'nowrap', dataset: { label: '状态' } }, baseBadge(b.status)),
      h('td', { class: 'nowrap', dataset: { label: '证书' } },
        h('a', { href: certificatePdf(b.id), target: '_blank', rel: 'noopener', 'aria-label': `${b.name}的证书（PDF）` }, 'PDF')))));
    return h('section', { class: 'panel', 'aria-labelledby': 'named-title' },
      h('div', { class: 'panel-head' },
        h('h2', { id: 'named-title', tabindex: '-1' }, '已认定命名'),
        h('a', { class: 'button button-secondary', id: 'naming-print', href: batchCertificatesPdf(batch.id), target: '_blank', rel: 'noopener' },
          '下载全部证书（印制文件，PDF）')),
      h('p', null, '本批次已认定命名，批次已结束。基地的暂停、恢复、撤销和牌匾交接在“基地管理”中办理。'),
      items.length ? table.wrap : h('p', { class: 'muted' }, '本批次没有认定的基地。'),
      (page?.next_cursor || items.length >= SHOWN) && h('p', null,
        h('a', { href: `/admin/bases${query({ batch_id: batch.id })}`, dataset: { link: '' } }, '在基地管理中查看本批次的全部基地')));
  }
}
