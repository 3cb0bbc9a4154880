// One batch (admin), section 名额: the quota table — every recommender with
// its quota (edited inline, 保存 PUTs the changed rows only), the places
// used (recommended applications) and whether its contact form is filed —
// and the CSV import, applied only when every line is good; each bad line
// is listed with its number.
import { h, replace } from '../dom.js';
import { api, listAll, ApiError } from '../api.js';
import { RECOMMENDER_KINDS, label } from '../format.js';
import { field, submitButton, formMessage } from '../forms.js';
import { loadingBlock, errorBlock, errorText } from '../states.js';
import { withBatch, batchHead } from '../batch-page.js';
import { badge } from '../widgets.js';
import { sheetLinks } from '../documents.js';

export const title = '名额';

const KIND_ORDER = Object.keys(RECOMMENDER_KINDS);
const MAX_QUOTA = 10000;
const COLUMNS = ['推荐单位', '类别', '名额', '已推荐', '联系人', '推荐汇总表'];

// Every active recommender (and any inactive one that holds a quota) with
// its quota row; sorted by kind as RECOMMENDER_KINDS lists them, then id.
function mergeRows(quotaItems, recommenders, contacts) {
  const quotas = new Map(quotaItems.map((q) => [q.recommender_id, q]));
  const filed = new Map(contacts.map((c) => [c.recommender_id, c.filed]));
  const rows = new Map();
  for (const r of recommenders) {
    const q = quotas.get(r.id);
    if (r.disabled && !q) continue;
    rows.set(r.id, {
      id: r.id, name: r.name, kind: r.kind, region: r.region, disabled: r.disabled,
      quota: q ? q.quota : null, used: q ? q.used : 0,
      filed: q ? q.contact_submitted : Boolean(filed.get(r.id)),
    });
  }
  for (const q of quotaItems) { // a row whose recommender the list did not give
    if (!rows.has(q.recommender_id)) {
      rows.set(q.recommender_id, {
        id: q.recommender_id, name: q.recommender_name, kind: q.kind, region: null, disabled: false,
        quota: q.quota, used: q.used, filed: q.contact_submitted,
      });
    }
  }
  const rank = (kind) => { const i = KIND_ORDER.indexOf(kind); return i < 0 ? KIND_ORDER.length : i; };
  return [...rows.values()].sort((a, b) => rank(a.kind) - rank(b.kind) || a.id - b.id);
}

// "第 3 行：名额应为 0 到 10000 的整数" for each error of an import, by line,
// and how many more there are when the server listed only the first ones.
function importErrors(err) {
  const lines = [];
  for (const e of err.errors) {
    const m = /^lines\.(\d+)$/.exec(e?.field ?? '');
    if (m) lines.push({ n: Number(m[1]), text: `第 ${m[1]} 行：${e.message}` });
    else lines.push({ n: 0, text: e?.message || e?.field || '内容有误' });
  }
  const texts = lines.sort((a, b) => a.n - b.n).map((l) => l.text);
  const unlisted = err.errorsTotal - err.errors.length;
  if (unlisted > 0) texts.push(`另有 ${unlisted} 处错误未列出（共 ${err.errorsTotal} 处）`);
  return texts;
}

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/quotas`;
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 名额' });

  function show(batch) {
    const editable = batch.status === 'draft' || batch.status === 'open';
    const tableArea = h('div', { class: 'quota-area' });
    let recommenders = [];
    let contacts = [];

    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        h('section', { class: 'panel', 'aria-labelledby': 'quota-title' },
          h('h2', { id: 'quota-title', tabindex: '-1' }, '推荐名额'),
          h('p', { class: 'muted' }, editable
            ? '在“名额”一栏直接修改，然后点击“保存修改”；只提交改动过的行。名额不能少于该推荐单位已推荐的数量。'
            : '批次已进入评审，名额不能再修改。'),
          tableArea),
        editable && importPanel(batch)));

    async function loadTable() {
      replace(tableArea, loadingBlock());
      let quotaItems;
      try {
        [quotaItems, recommenders, contacts] = await Promise.all([
          api('GET', `/batches/${batch.id}/quotas`, undefined, { signal }).then((a) => a?.items ?? []),
          listAll('/recommenders', {}, { signal }),
          listAll(`/batches/${batch.id}/contacts`, {}, { signal }),
        ]);
      } catch (err) {
        if (signal.aborted) return;
        replace(tableArea, errorBlock(err, { title: '名额表加载失败', onRetry: loadTable }));
        return;
      }
      if (signal.aborted) return;
      showTable(quotaItems);
    }

    // Draws the table from the quota rows (GET or PUT/import answer).
    function showTable(quotaItems, { notice } = {}) {
      const rows = mergeRows(quotaItems, recommenders, contacts);
      if (rows.length === 0) {
        replace(tableArea, h('div', { class: 'empty' },
          h('p', { class: 'empty-title' }, '还没有推荐单位'),
          h('p', { class: 'muted' }, '请先在“推荐单位”页面创建推荐单位，再为其下达名额。')));
        return;
      }
      const message = formMessage('quota-message');
      const save = submitButton('保存修改', '正在保存…');
      const reset = h('button', { type: 'button', class: 'button button-secondary' }, '撤销修改');
      const inputs = new Map(); // id → { row, input, setError, tr }

      const trs = rows.map((r) => {
        const id = `quota-${r.id}`;
        const errorEl = h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
        const input = h('input', {
          type: 'number', id, name: id, class: 'input input-quota', min: 0, max: MAX_QUOTA, step: 1,
          inputmode: 'numeric', value: r.quota ?? '', placeholder: '未设置', disabled: !editable,
          'aria-describedby': `${id}-error`,
        });
        const tr = h('tr', { dataset: { id: String(r.id) } },
          h('th', { scope: 'row', class: 'cell-name' },
            h('span', { class: 'rec-name' }, r.name),
            r.region && h('span', { class: 'muted small block' }, r.region),
            r.disabled && badge('已停用', 'muted')),
          h('td', { dataset: { label: '类别' } }, label(RECOMMENDER_KINDS, r.kind)),
          h('td', { class: 'cell-quota', dataset: { label: '名额' } },
            h('label', { for: id, class: 'visually-hidden' }, `${r.name}的名额`),
            input, errorEl),
          h('td', { class: 'nowrap num', dataset: { label: '已推荐' } }, String(r.used)),
          h('td', { class: 'nowrap', dataset: { label: '联系人' } }, r.filed ? badge('已报送', 'ok') : badge('未报送', 'warn')),
          h('td', { dataset: { label: '推荐汇总表' } }, sheetLinks(batch.id, { recommenderId: r.id, name: r.name })));
        const setError = (text) => {
          replace(errorEl, text ?? '');
          if (text) input.setAttribute('aria-invalid', 'true');
          else input.removeAttribute('aria-invalid');
        };
        inputs.set(r.id, { row: r, input, setError, tr });
        input.addEventListener('input', () => { setError(null); refresh(); });
        return tr;
      });

      const original = (r) => (r.quota == null ? '' : String(r.quota));
      const changedRows = () => [...inputs.values()].filter(({ row, input }) => input.value.trim() !== original(row));
      function refresh() {
        const n = changedRows().length;
        for (const { row, input, tr } of inputs.values()) tr.classList.toggle('row-changed', input.value.trim() !== original(row));
        save.disabled = n === 0;
        save.textContent = n ? `保存修改（${n} 项）` : '保存修改';
        reset.disabled = n === 0;
      }

      const total = rows.reduce((s, r) => s + (r.quota ?? 0), 0);
      const used = rows.reduce((s, r) => s + r.used, 0);
      const set = rows.filter((r) => r.quota != null).length;
      const form = h('form', { class: 'quota-form', novalidate: true, 'aria-label': '推荐名额表' },
        h('p', { class: 'table-summary muted' },
          `共 ${rows.length} 个推荐单位，已为 ${set} 个下达名额，合计 ${total} 个，已推荐 ${used} 项。`),
        h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '名额表（可横向滚动）' },
          h('table', { class: 'table table-cards quota-table' },
            h('caption', { class: 'visually-hidden' }, `${batch.title}推荐名额表`),
            h('thead', null, h('tr', null, COLUMNS.map((c) => h('th', { scope: 'col' }, c)))),
            h('tbody', null, trs))),
        message,
        editable && h('div', { class: 'form-actions form-actions-sticky' }, save, reset));
      replace(tableArea, notice, form);
      refresh();

      reset.addEventListener('click', () => {
        for (const { row, input, setError } of inputs.values()) { input.value = original(row); setError(null); }
        message.show(null);
        refresh();
      });

      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        message.show(null);
        const sent = [];
        let firstBad = null;
        for (const { row, input, setError } of changedRows()) {
          const raw = input.value.trim();
          if (!/^\d+$/.test(raw) || Number(raw) > MAX_QUOTA) {
            setError(raw === '' ? '请填写名额（0 表示不下达）' : `名额应为 0 到 ${MAX_QUOTA} 的整数`);
            firstBad ??= input;
          } else if (Number(raw) < row.used) {
            setError(`已推荐 ${row.used} 项，名额不能少于 ${row.used}`);
            firstBad ??= input;
          } else {
            sent.push({ recommender_id: row.id, quota: Number(raw) });
          }
        }
        if (firstBad) { firstBad.focus(); return; }
        if (sent.length === 0) return;
        save.busy(true);
        let answer;
        try {
          answer = await api('PUT', `/batches/${batch.id}/quotas`, { quotas: sent }, { signal });
        } catch (err) {
          if (signal.aborted) return;
          save.busy(false);
          refresh();
          let placed = null;
          for (const e of err instanceof ApiError ? err.errors : []) {
            const m = /^quotas\.(\d+)\./.exec(e?.field ?? '');
            const target = m && sent[Number(m[1])] && inputs.get(sent[Number(m[1])].recommender_id);
            if (target) { target.setError(e.message); placed ??= target.input; }
          }
          message.show(err instanceof ApiError && err.status === 409
            ? `未保存：${err.message}`
            : `保存失败：${errorText(err)}`);
          (placed ?? save).focus();
          return;
        }
        if (signal.aborted) return;
        const notice = h('p', { class: 'form-message form-message-ok', role: 'status' },
          `已保存 ${sent.length} 个推荐单位的名额。`);
        showTable(answer?.items ?? [], { notice });
        root.querySelector('#quota-title')?.focus();
      });
    }

    // The CSV import: choose a file, 导入; the result below.
    function importPanel() {
      const file = field({
        id: 'quota-file', label: '名额表文件（CSV）',
        attrs: { type: 'file', accept: '.csv,text/csv', class: 'input input-file' },
      });
      const submit = submitButton('导入', '正在导入…');
      const result = h('div', { class: 'import-result', id: 'quota-import-result' });
      const form = h('form', { class: 'form import-form', novalidate: true, 'aria-labelledby': 'quota-import-title' },
        file.wrap, h('div', { class: 'form-actions' }, submit));

      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        replace(result);
        const chosen = file.input.files?.[0];
        if (!chosen) { file.setError('请选择要导入的 CSV 文件'); file.input.focus(); return; }
        submit.busy(true);
        let bytes;
        try {
          bytes = await chosen.arrayBuffer();
          new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        } catch {
          submit.busy(false);
          file.setError('文件不是 UTF-8 编码。用 Excel 编辑的表格，请“另存为”“CSV UTF-8（逗号分隔）”后再导入。');
          file.input.focus();
          return;
        }
        let answer;
        try {
          answer = await api('POST', `/batches/${batch.id}/quotas/import`, bytes,
            { signal, contentType: 'text/csv; charset=utf-8' });
        } catch (err) {
          if (signal.aborted) return;
          submit.busy(false);
          const lines = err instanceof ApiError && err.status === 422 ? importErrors(err) : [];
          replace(result, h('div', { class: 'state state-error', role: 'alert' },
            h('p', { class: 'state-title' }, err instanceof ApiError && (err.status === 422 || err.status === 409)
              ? '名额表有误，未做任何修改' : '导入失败'),
            lines.length
              ? h('ul', { class: 'import-errors' }, lines.map((t) => h('li', null, t)))
              : h('p', { class: 'state-detail' }, errorText(err)),
            h('p', { class: 'state-detail' }, '请修改文件后重新选择并导入。')));
          return;
        }
        if (signal.aborted) return;
        submit.busy(false);
        file.input.value = '';
        replace(result, h('div', { class: 'state state-ok', role: 'status' },
          h('p', { class: 'state-title' }, `导入成功：已按“${chosen.name}”更新名额表。`)));
        showTable(answer?.items ?? []);
      });

      return h('section', { class: 'panel', 'aria-labelledby': 'quota-import-title' },
        h('h2', { id: 'quota-import-title' }, '导入名额表（CSV）'),
        h('p', null, '每行一个推荐单位：', h('strong', null, '推荐单位名称或编号,名额'),
          '。文件用 UTF-8 编码，第一行可以是表头；名额为 0 到 10000 的整数。文件中未列出的推荐单位保持原有名额。'),
        h('p', { class: 'muted' }, '只要有一行有误，整个文件都不会导入，并列出每一行的问题。示例：'),
        h('pre', { class: 'sample' }, '推荐单位,名额\n北京市科学技术协会,12\n中国科学院,20'),
        form, result);
    }

    loadTable();
  }
}
