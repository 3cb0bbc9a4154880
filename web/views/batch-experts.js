// One batch (admin), section 专家与回避: the batch's conflicts of interest
// (found by the server from credit codes, organisations and recommenders,
// or declared) and the form to declare one; a declaration on a pair at
// work takes the expert off it. The pool itself is on /experts.
import { h, replace } from '../dom.js';
import { api, listAll } from '../api.js';
import { field, submitButton, formMessage, onSubmit } from '../forms.js';
import { loadingBlock, errorBlock, emptyBlock } from '../states.js';
import { withBatch, batchHead } from '../batch-page.js';
import { CONFLICT_KIND, expertsById, applicationsById, expertCell, applicationCell } from '../experts.js';

export const title = '专家与回避';

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/experts`;
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 专家与回避' });

  function show(batch, { notice } = {}) {
    const area = h('div', null, loadingBlock());
    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        h('section', { class: 'panel', 'aria-labelledby': 'conflicts-title' },
          h('div', { class: 'panel-head' },
            h('h2', { id: 'conflicts-title', tabindex: '-1' }, '回避关系'),
            h('a', { class: 'button button-secondary', href: '/experts', dataset: { link: '' } }, '管理专家库')),
          h('p', null, '专家不会被分配与其存在利益关系的申报。系统按所在单位的统一社会信用代码、单位名称（含主管单位）和推荐单位自动识别；其他情形在下方登记。'),
          notice && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'conflict-notice' }, notice),
          area)));

    const load = async () => {
      replace(area, loadingBlock());
      let experts; let apps; let conflicts;
      try {
        [experts, apps, conflicts] = await Promise.all([
          expertsById(signal), applicationsById(batch.id, signal),
          listAll(`/batches/${batch.id}/conflicts`, {}, { signal }),
        ]);
      } catch (err) {
        if (signal.aborted) return;
        replace(area, errorBlock(err, { title: '回避关系加载失败', onRetry: load }));
        return;
      }
      if (signal.aborted) return;
      replace(area, declareForm(experts, apps),
        h('h3', { class: 'section-title-gap' }, '本批次的回避关系'),
        conflicts.length
          ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '回避关系（可横向滚动）' },
            h('table', { class: 'table table-cards conflicts-table' },
              h('caption', { class: 'visually-hidden' }, '本批次的回避关系'),
              h('thead', null, h('tr', null, ['专家', '申报单位 / 基地名称', '回避原因', '说明'].map((c) => h('th', { scope: 'col' }, c)))),
              h('tbody', null, conflicts.map((c) => h('tr', null,
                h('td', null, expertCell(experts, c.expert_id)),
                h('td', { dataset: { label: '申报单位' } }, applicationCell(apps, c.application_id)),
                h('td', { class: 'nowrap', dataset: { label: '回避原因' } }, CONFLICT_KIND[c.kind] ?? c.kind),
                h('td', { dataset: { label: '说明' } }, c.reason || '—'))))))
          : emptyBlock('本批次还没有回避关系', '自动识别的和登记的回避都会列在这里。'),
        conflicts.length > 0 && h('p', { class: 'muted small table-summary' }, `共 ${conflicts.length} 条回避关系。`));
    };
    load();

    function declareForm(experts, apps) {
      const expert = field({
        id: 'conflict-expert', label: '专家',
        options: [{ value: '', label: '请选择' },
          ...[...experts.values()].filter((e) => !e.disabled).map((e) => ({ value: String(e.id), label: `${e.name}（${e.organization}）` }))],
      });
      const candidates = [...apps.values()].filter((a) => a.status === 'initial_passed');
      const application = field({
        id: 'conflict-application', label: '申报',
        options: [{ value: '', label: '请选择' },
          ...candidates.map((a) => ({ value: String(a.id), label: `${a.unit_name}（${a.region}）` }))],
      });
      const reason = field({
        id: 'conflict-reason', label: '回避原因', hint: '如 近三年曾在该单位兼职。',
        attrs: { type: 'text', required: true, maxlength: 500 },
      });
      const message = formMessage('conflict-message');
      const submit = submitButton('登记回避', '正在登记…');
      submit.id = 'conflict-submit';
      const form = h('form', { class: 'form form-wide', novalidate: true, 'aria-labelledby': 'conflict-new-title' },
        h('h3', { id: 'conflict-new-title' }, '登记回避'),
        h('div', { class: 'form-grid' }, expert.wrap, application.wrap, reason.wrap),
        h('p', { class: 'field-hint' }, '如该专家已被分配这份申报且尚未提交评分，登记后即退出评审，可在“专家分配”中改派。'),
        message, h('div', { class: 'form-actions' }, submit));
      onSubmit(form, {
        signal, message, submit, title: '登记失败',
        fields: { application_id: application, reason },
        read: () => {
          let firstBad = null;
          const fail = (f, text) => { f.setError(text); firstBad ??= f.input; };
          if (!expert.value()) fail(expert, '请选择专家');
          if (!application.value()) fail(application, '请选择申报');
          if (!reason.value().trim()) fail(reason, '请填写回避原因');
          return { firstBad, values: { expert: Number(expert.value()), application_id: Number(application.value()), reason: reason.value().trim() } };
        },
        send: ({ expert: id, ...body }) => api('POST', `/experts/${id}/conflicts`, body, { signal }),
        done: (answer, values) => {
          const e = experts.get(values.expert);
          const a = apps.get(values.application_id);
          show(batch, { notice: `已登记：${e?.name ?? '专家'}回避“${a?.unit_name ?? '申报'}”。` });
          root.querySelector('#conflicts-title')?.focus();
        },
      });
      return form;
    }
  }
}
