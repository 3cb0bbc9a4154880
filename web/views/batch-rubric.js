// One batch (admin), section 评分标准: the rubric the experts will score by —
// rows of 指标代码, 指标名称 and 权重, added and removed, with the sum of the
// weights kept live (it must be 100); 保存 PUTs the whole rubric and the
// server's verdict on each row (criteria.N.key …) shows beside its field,
// the sum's beside the sum. The rules are the server's (lib/domain/rubric.c);
// the page only counts.
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { formatDateTime } from '../format.js';
import { submitButton, formMessage } from '../forms.js';
import { loadingBlock, errorBlock, errorText } from '../states.js';
import { withBatch, batchHead } from '../batch-page.js';

export const title = '评分标准';

const MAX_CRITERIA = 20;
const KEY_MAX = 32;
const NAME_MAX = 50;

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/rubric`;
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 评分标准' });

  function show(batch) {
    const area = h('div', null, loadingBlock());
    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        h('section', { class: 'panel', 'aria-labelledby': 'rubric-title' },
          h('h2', { id: 'rubric-title', tabindex: '-1' }, '评分标准'),
          h('p', null, '终评专家按各项指标分别打分（0–100 分），一位专家给出的总分为各项得分按权重加权之和。',
            `指标 1–${MAX_CRITERIA} 项，权重为正整数，合计必须为 100。专家开始提交评分后，评分标准不能再修改。`),
          area)));

    const load = async () => {
      replace(area, loadingBlock());
      let rubric = null;
      try {
        rubric = await api('GET', `/batches/${batch.id}/rubric`, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        if (!(err instanceof ApiError && err.status === 404)) {
          replace(area, errorBlock(err, { title: '评分标准加载失败', onRetry: load }));
          return;
        }
      }
      if (signal.aborted) return;
      editor(batch, rubric);
    };
    load();

    function editor(batch, rubric, { notice } = {}) {
      const rows = [];
      let serial = 0; // ids of rows, never reused
      const tbody = h('tbody');
      const sum = h('p', { class: 'rubric-sum', id: 'rubric-sum', role: 'status' });
      const sumError = h('p', { class: 'field-error', id: 'rubric-sum-error', 'aria-live': 'polite' });
      const add = h('button', { type: 'button', class: 'button button-secondary', id: 'rubric-add' }, '添加一项');
      const message = formMessage('rubric-message');
      const save = submitButton('保存评分标准', '正在保存…');
      save.id = 'rubric-save';
      const undo = h('button', { type: 'button', class: 'button button-secondary', id: 'rubric-undo' },
        rubric ? '恢复为已保存的' : '清空');

      function addRow(c = { key: '', name: '', weight: '' }) {
        serial += 1;
        const id = `rubric-${serial}`;
        const input = (part, attrs) => {
          const errorEl = h('p', { class: 'field-error', id: `${id}-${part}-error`, 'aria-live': 'polite' });
          const el = h('input', { id: `${id}-${part}`, class: 'input input-compact', 'aria-describedby': `${id}-${part}-error`, ...attrs });
          const label = h('label', { for: `${id}-${part}`, class: 'visually-hidden' });
          const setError = (text) => {
            replace(errorEl, text ?? '');
            if (text) el.setAttribute('aria-invalid', 'true');
            else el.removeAttribute('aria-invalid');
          };
          el.addEventListener('input', () => setError(null));
          return { el, label, errorEl, setError };
        };
        const key = input('key', {
          type: 'text', maxlength: String(KEY_MAX), autocomplete: 'off', spellcheck: 'false', class: 'input input-compact input-code',
          value: c.key, placeholder: '如 science_content',
        });
        const name = input('name', { type: 'text', maxlength: String(NAME_MAX), value: c.name, placeholder: '如 科普内容的科学性' });
        const weight = input('weight', {
          type: 'number', min: '1', max: '100', step: '1', inputmode: 'numeric', class: 'input input-compact input-weight',
          value: c.weight === '' ? '' : String(c.weight),
        });
        const num = h('span', { class: 'rubric-num' });
        const remove = h('button', { type: 'button', class: 'button button-danger-outline button-small' }, '删除');
        const rowError = h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
        const tr = h('tr', { dataset: { row: String(serial) } },
          h('td', { class: 'num' }, num),
          h('td', { dataset: { label: '指标代码' } }, key.label, key.el, key.errorEl),
          h('td', { dataset: { label: '指标名称' } }, name.label, name.el, name.errorEl, rowError),
          h('td', { dataset: { label: '权重' } }, weight.label, weight.el, weight.errorEl),
          h('td', null, remove));
        const row = { tr, key, name, weight, num, remove, setRowError: (text) => replace(rowError, text ?? '') };
        rows.push(row);
        tbody.append(tr);
        weight.el.addEventListener('input', refresh);
        remove.addEventListener('click', () => {
          const i = rows.indexOf(row);
          rows.splice(i, 1);
          tr.remove();
          refresh();
          (rows[i] ?? rows[i - 1])?.remove.focus();
          if (!rows[i] && !rows[i - 1]) add.focus();
        });
        return row;
      }

      // Numbers, labels, the add and remove buttons, and the live sum.
      function refresh() {
        rows.forEach((r, i) => {
          const n = i + 1;
          r.num.textContent = String(n);
          r.key.label.textContent = `第 ${n} 项的指标代码`;
          r.name.label.textContent = `第 ${n} 项的指标名称`;
          r.weight.label.textContent = `第 ${n} 项的权重`;
          r.remove.setAttribute('aria-label', `删除第 ${n} 项`);
          r.remove.disabled = rows.length === 1;
        });
        add.disabled = rows.length >= MAX_CRITERIA;
        replace(sumError);
        const weights = rows.map((r) => r.weight.el.value.trim());
        const total = weights.reduce((s, w) => s + (/^\d+$/.test(w) ? Number(w) : 0), 0);
        const blank = weights.filter((w) => !/^\d+$/.test(w)).length;
        const ok = total === 100 && blank === 0;
        sum.className = `rubric-sum ${ok ? 'rubric-sum-ok' : 'rubric-sum-bad'}`;
        replace(sum, `权重合计：`, h('strong', null, String(total)), ' / 100',
          ok ? '（合计正确）'
            : total < 100 ? `（还差 ${100 - total}，合计须为 100${blank ? `；有 ${blank} 项未填写权重` : ''}）`
              : `（超出 ${total - 100}，合计须为 100）`);
      }

      const saved = rubric?.criteria ?? [];
      if (saved.length) saved.forEach((c) => addRow(c));
      else addRow();

      add.addEventListener('click', () => {
        const row = addRow();
        refresh();
        row.key.el.focus();
      });
      undo.addEventListener('click', () => editor(batch, rubric));

      const form = h('form', { class: 'rubric-form', novalidate: true, 'aria-labelledby': 'rubric-title' },
        h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '评分指标（可横向滚动）' },
          h('table', { class: 'table table-cards rubric-table' },
            h('caption', { class: 'visually-hidden' }, `${batch.title}评分指标`),
            h('thead', null, h('tr', null,
              ['序号', '指标代码', '指标名称', '权重', '操作'].map((c) => h('th', { scope: 'col' }, c)))),
            tbody)),
        h('div', { class: 'rubric-foot' }, add, h('div', null, sum, sumError)),
        h('p', { class: 'field-hint' }, `指标代码由小写字母、数字和下划线组成（至多 ${KEY_MAX} 个字符），各项不能重复，评分表用它识别各项；指标名称至多 ${NAME_MAX} 字。`),
        message,
        h('div', { class: 'form-actions' }, save, undo));

      replace(area,
        notice && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'rubric-notice', tabindex: '-1' }, notice),
        h('p', { class: 'muted small', id: 'rubric-updated' }, rubric
          ? ['上次保存：', h('time', { datetime: rubric.updated_at }, formatDateTime(rubric.updated_at))]
          : '本批次还没有评分标准。'),
        form);
      refresh();

      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        message.show(null);
        for (const r of rows) { r.key.setError(null); r.name.setError(null); r.weight.setError(null); r.setRowError(null); }
        const criteria = rows.map((r) => {
          const w = r.weight.el.value.trim();
          return { key: r.key.el.value.trim(), name: r.name.el.value.trim(), ...(w === '' ? {} : { weight: Number(w) }) };
        });
        save.busy(true);
        let answer;
        try {
          answer = await api('PUT', `/batches/${batch.id}/rubric`, { criteria }, { signal });
        } catch (err) {
          if (signal.aborted) return;
          save.busy(false);
          showErrors(err);
          return;
        }
        if (signal.aborted) return;
        editor(batch, answer, { notice: `已保存评分标准（${answer.criteria.length} 项）。` });
        root.querySelector('#rubric-notice')?.focus();
      });

      // criteria.N.<part> beside its field, criteria.N on its row,
      // criteria (the sum, the count) beside the sum; the rest in the message.
      function showErrors(err) {
        let first = null;
        const rest = [];
        for (const e of err instanceof ApiError ? err.errors : []) {
          const m = /^criteria(?:\.(\d+)(?:\.(key|name|weight))?)?$/.exec(e?.field ?? '');
          const row = m?.[1] != null ? rows[Number(m[1])] : null;
          if (m && m[1] == null) {
            replace(sumError, e.message);
            first ??= rows[0]?.weight.el;
          } else if (row && m[2]) {
            row[m[2]].setError(e.message);
            first ??= row[m[2]].el;
          } else if (row) {
            row.setRowError(e.message);
            first ??= row.key.el;
          } else {
            rest.push(e?.message || e?.field);
          }
        }
        if (rest.length) message.show(rest.join('；'));
        else if (!first) message.show(`保存失败：${errorText(err)}`);
        else message.show('未保存：请按提示修改标出的内容后重新保存。');
        (first ?? save).focus();
      }
    }
  }
}
