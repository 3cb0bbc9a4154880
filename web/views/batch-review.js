// One batch (admin), section 初评: the recommended applications and those
// already reviewed, filtered by status (待初评 first), category, region and
// a search, as a worksheet: each row takes a 结论 and an 意见; ticked rows
// can be set to 通过 or 不通过 at once; 提交初评 sends every changed row in
// one POST /batches/{id}/initial-review, all or nothing, and the server's
// refusals show on their rows (a 不通过 without 意见 among them). Reviews
// can be changed until the on-site sample is drawn; then, or outside
// 评审中, the list reads only.
import { h, replace } from '../dom.js';
import { api, query, ApiError } from '../api.js';
import { CATEGORIES, formatDateTime } from '../format.js';
import { field, submitButton, formMessage } from '../forms.js';
import { errorBlock, errorText, emptyBlock } from '../states.js';
import { pagedList, filterForm } from '../paged-list.js';
import { fillRegionSelect } from '../regions.js';
import { applicationBadge, fastTrackBadge } from '../widgets.js';
import { categoryName } from '../appform.js';
import { withBatch, batchHead } from '../batch-page.js';
import { REVIEWABLE, RESULT, loadSample, countStatus, byline } from '../evaluation.js';

export const title = '初评';

const PAGE = 50;
const COMMENTS_MAX = 2000;
const STATUSES = ['recommended', 'initial_passed', 'initial_failed', 'onsite_failed'];
const STATUS_LABEL = { recommended: '待初评', initial_passed: '初评通过', initial_failed: '初评未通过', onsite_failed: '实地抽检未通过' };

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/review`;
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 初评' });

  async function show(batch) {
    let sample;
    try {
      sample = await loadSample(batch.id, signal);
    } catch (err) {
      if (signal.aborted) return;
      replace(root, h('section', { class: 'page' }, batchHead(batch, { role: 'admin', current }),
        errorBlock(err, { title: '初评信息加载失败', onRetry: () => show(batch) })));
      return;
    }
    if (signal.aborted) return;
    const editable = batch.status === 'evaluating' && !sample;

    const search = new URLSearchParams(location.search);
    const initial = {
      // Nothing waits once the reviews are final: then the passed ones first.
      status: STATUSES.includes(search.get('status')) || search.get('status') === 'all'
        ? search.get('status') : editable ? 'recommended' : 'initial_passed',
      category: search.get('category') ?? '',
      region: search.get('region') ?? '',
      q: search.get('q') ?? '',
    };
    const status = field({
      id: 'rv-status', label: '状态',
      options: [...STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s], selected: s === initial.status })),
        { value: 'all', label: '本批次全部申报', selected: initial.status === 'all' }],
    });
    const category = field({
      id: 'rv-category', label: '类别',
      options: [{ value: '', label: '全部' },
        ...Object.entries(CATEGORIES).map(([value, text]) => ({ value, label: text, selected: value === initial.category }))],
    });
    const region = field({ id: 'rv-region', label: '所在地区', options: [{ value: '', label: '全部' }] });
    const q = field({
      id: 'rv-q', label: '搜索',
      attrs: { type: 'search', placeholder: '申报单位或基地名称', maxlength: 100, autocomplete: 'off', value: initial.q },
    });
    const filters = h('form', { class: 'filters', novalidate: true, role: 'search', 'aria-label': '筛选申报' },
      h('div', { class: 'filter-fields' }, status.wrap, category.wrap, region.wrap, q.wrap),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, '筛选')));

    const counts = h('p', { class: 'muted small', id: 'rv-counts', 'aria-live': 'polite' });
    const message = formMessage('rv-message');
    const said = h('p', { class: 'visually-hidden', role: 'status', id: 'rv-status-line' });
    const rows = new Map(); // id → { app, pick, result, comments, tr, setCommentsError, setRowError, changed(), reset() }

    // ---- the worksheet ----
    // Read only: who and how it stands; editable: a tick, 结论 and 意见 too.
    const pickAll = h('input', { type: 'checkbox', id: 'rv-pick-all', class: 'check', disabled: true });
    const tbody = h('tbody');
    const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '初评列表（可横向滚动）' },
      h('table', { class: `table table-cards review-table${editable ? ' review-table-edit' : ''}` },
        h('caption', { class: 'visually-hidden' }, `${batch.title}初评列表`),
        h('thead', null, h('tr', null,
          editable && h('th', { scope: 'col', class: 'cell-check' },
            h('label', { for: 'rv-pick-all', class: 'visually-hidden' }, '选择本页全部可初评的申报'), pickAll),
          (editable ? ['申报', '状态与初评', '初评结论', '初评意见'] : ['申报', '状态与初评'])
            .map((c) => h('th', { scope: 'col' }, c)))),
        tbody));
    const picked = h('span', { class: 'picked', id: 'rv-picked' }, '未选择');
    const setPass = h('button', { type: 'button', class: 'button button-secondary button-small', id: 'rv-set-pass' }, '选中项设为通过');
    const setFail = h('button', { type: 'button', class: 'button button-secondary button-small', id: 'rv-set-fail' }, '选中项设为不通过');
    const save = submitButton('提交初评', '正在提交…');
    save.id = 'rv-submit';
    const reset = h('button', { type: 'button', class: 'button button-secondary', id: 'rv-reset' }, '撤销修改');
    const bar = editable && h('div', { class: 'form-actions form-actions-sticky review-bar' },
      h('div', { class: 'review-bulk', role: 'group', 'aria-label': '批量设置' }, picked, setPass, setFail),
      h('div', { class: 'review-send' }, save, reset));

    let active = { ...initial };
    const list = pagedList({
      signal,
      url: (cursor) => `/applications${query({ ...listParams(active), limit: PAGE, cursor })}`,
      row,
      into: tbody,
      view: h('div', null, table, bar),
      empty: () => (active.status === 'recommended' && !active.category && !active.region && !active.q && editable
        ? emptyBlock('没有待初评的申报', '本批次已推荐的申报都已初评。可在“状态”中选择“初评通过”等查看或修改初评结果。')
        : emptyBlock('没有符合条件的申报', '请调整筛选条件。')),
      titles: ['申报加载失败', '更多申报加载失败'],
      unit: '项',
      noun: '申报',
    });
    const sheet = h('form', { class: 'review-sheet', novalidate: true, 'aria-label': '初评工作表' }, list.body, message);

    const note = sample
      ? h('p', { class: 'status-note', id: 'rv-locked' },
        `本批次已于 ${formatDateTime(sample.created_at)} 抽取实地抽检样本，初评结果不能再更改。`)
      : batch.status !== 'evaluating'
        ? h('p', { class: 'status-note', id: 'rv-locked' }, '批次不在评审阶段，初评结果只能查看。')
        : h('p', { class: 'muted' },
          '逐项选择初评结论并填写意见（不通过须写明意见），或勾选多项后批量设置，再点击“提交初评”。一次提交的全部通过检查才会保存，有误时逐项标出。抽取实地抽检样本之前，初评结果可以修改。');

    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        h('section', { class: 'panel', 'aria-labelledby': 'rv-title' },
          h('h2', { id: 'rv-title', tabindex: '-1' }, '初评'),
          note, counts, filters, list.summary, sheet, said)));

    function listParams(values) {
      return { batch_id: batch.id, ...values, status: values.status === 'all' ? '' : values.status };
    }

    function row(a) {
      const reviewable = editable && REVIEWABLE.has(a.status);
      const cur = a.initial_review;
      const base = `rv-${a.id}`;
      const name = a.base_name || a.unit_name;
      const pick = h('input', { type: 'checkbox', id: `${base}-pick`, class: 'check', disabled: !reviewable });
      const rowError = h('p', { class: 'field-error', id: `${base}-row-error`, 'aria-live': 'polite' });
      const commentsError = h('p', { class: 'field-error', id: `${base}-comments-error`, 'aria-live': 'polite' });
      const result = reviewable && h('select', {
        id: `${base}-result`, class: 'input input-compact', 'aria-describedby': `${base}-row-error`,
      },
      h('option', { value: '' }, cur ? '—' : '未填'),
      Object.entries(RESULT).map(([value, text]) => h('option', { value, selected: cur?.result === value }, text)));
      const comments = reviewable && h('textarea', {
        id: `${base}-comments`, class: 'input input-compact', rows: '2', maxlength: String(COMMENTS_MAX),
        'aria-describedby': `${base}-comments-error`,
      });
      if (comments) comments.value = cur?.comments ?? '';

      const tr = h('tr', { dataset: { id: String(a.id) } },
        editable && h('td', { class: 'cell-check' },
          h('label', { for: `${base}-pick`, class: 'visually-hidden' }, `选择“${name}”`), pick),
        h('td', { class: 'cell-title' },
          h('a', { href: `/admin/applications/${a.id}`, dataset: { link: '' } }, a.unit_name),
          h('span', { class: 'block small muted' }, a.base_name || '（基地名称未填写）'),
          h('span', { class: 'block small muted' }, `${categoryName(a.category)} · ${a.region} · ${a.recommender_name}`),
          rowError),
        // The status says the review's result (a later one, that it passed).
        h('td', { class: 'cell-review' },
          applicationBadge(a.status), fastTrackBadge(a.fast_track),
          cur
            ? h('div', { class: 'review-current' },
              cur.comments && h('p', { class: 'review-comments' }, cur.comments),
              h('p', { class: 'small muted' }, byline(cur)))
            : h('p', { class: 'small muted review-current' }, '尚未初评')),
        editable && h('td', { class: 'cell-result', dataset: { label: '初评结论' } },
          result
            ? [h('label', { for: `${base}-result`, class: 'visually-hidden' }, `“${name}”的初评结论`), result]
            : h('span', { class: 'muted' }, '不可初评')),
        editable && h('td', { class: 'cell-comments', dataset: { label: '初评意见' } },
          comments
            ? [h('label', { for: `${base}-comments`, class: 'visually-hidden' }, `“${name}”的初评意见`), comments, commentsError]
            : h('span', { class: 'muted' }, '—')));

      if (reviewable) {
        const setCommentsError = (text) => {
          replace(commentsError, text ?? '');
          if (text) comments.setAttribute('aria-invalid', 'true');
          else comments.removeAttribute('aria-invalid');
        };
        const setRowError = (text) => {
          replace(rowError, text ?? '');
          if (text) result.setAttribute('aria-invalid', 'true');
          else result.removeAttribute('aria-invalid');
        };
        const entry = {
          app: a, pick, result, comments, tr, setCommentsError, setRowError,
          changed: () => result.value !== '' &&
            (result.value !== (cur?.result ?? '') || comments.value.trim() !== (cur?.comments ?? '')),
          reset: () => {
            result.value = cur?.result ?? '';
            comments.value = cur?.comments ?? '';
            setCommentsError(null);
            setRowError(null);
          },
        };
        rows.set(a.id, entry);
        scheduleRefresh();
        result.addEventListener('change', () => { setRowError(null); setCommentsError(null); refresh(); });
        comments.addEventListener('input', () => { setCommentsError(null); refresh(); });
        pick.addEventListener('change', refresh);
      }
      return tr;
    }

    // `rows` holds the rows on screen: a new first page (filters, after a
    // submission) starts it afresh.
    const changedRows = () => [...rows.values()].filter((r) => r.changed());
    const pickedRows = () => [...rows.values()].filter((r) => r.pick.checked);
    let refreshQueued = false;
    const scheduleRefresh = () => {
      if (refreshQueued) return;
      refreshQueued = true;
      queueMicrotask(() => { refreshQueued = false; refresh(); });
    };

    function refresh() {
      if (!editable) return;
      const changed = changedRows();
      for (const r of rows.values()) r.tr.classList.toggle('row-changed', r.changed());
      const n = pickedRows().length;
      const all = rows.size;
      replace(picked, n ? `已选 ${n} 项` : '未选择');
      setPass.disabled = n === 0;
      setFail.disabled = n === 0;
      pickAll.checked = all > 0 && n === all;
      pickAll.indeterminate = n > 0 && n < all;
      pickAll.disabled = all === 0;
      save.disabled = changed.length === 0;
      save.textContent = changed.length ? `提交初评（${changed.length} 项）` : '提交初评';
      reset.disabled = changed.length === 0;
    }

    function setPicked(value) {
      const chosen = pickedRows();
      for (const r of chosen) {
        r.result.value = value;
        r.setRowError(null);
        r.setCommentsError(null);
      }
      refresh();
      said.textContent = `已将 ${chosen.length} 项设为${RESULT[value]}`;
      // A fail needs its comments: start where the first is missing.
      if (value === 'fail') chosen.find((r) => !r.comments.value.trim())?.comments.focus();
    }

    if (editable) {
      pickAll.addEventListener('change', () => {
        for (const r of rows.values()) r.pick.checked = pickAll.checked;
        refresh();
      });
      setPass.addEventListener('click', () => setPicked('pass'));
      setFail.addEventListener('click', () => setPicked('fail'));
      reset.addEventListener('click', () => {
        for (const r of rows.values()) r.reset();
        message.show(null);
        refresh();
      });
      sheet.addEventListener('submit', async (event) => {
        event.preventDefault();
        message.show(null);
        const sent = changedRows();
        if (!sent.length) return;
        for (const r of sent) { r.setRowError(null); r.setCommentsError(null); }
        save.busy(true);
        const items = sent.map((r) => ({
          application_id: r.app.id, result: r.result.value, comments: r.comments.value.trim(),
        }));
        try {
          await api('POST', `/batches/${batch.id}/initial-review`, { items }, { signal });
        } catch (err) {
          if (signal.aborted) return;
          save.busy(false);
          refresh();
          showErrors(err, sent);
          return;
        }
        if (signal.aborted) return;
        save.busy(false);
        rows.clear();
        message.show(`已提交 ${sent.length} 项初评，申报单位和推荐单位会收到通知。`, 'ok');
        list.reload();
        loadCounts();
        message.focus();
      });
    }

    // The server's errors on their rows (items.N.<field>, N counting the
    // rows sent); the rest in the message.
    function showErrors(err, sent) {
      let first = null;
      let placed = 0;
      const unplaced = [];
      for (const e of err instanceof ApiError ? err.errors : []) {
        const m = /^items\.(\d+)\.(\w+)$/.exec(e?.field ?? '');
        const r = m && sent[Number(m[1])];
        if (!r) { unplaced.push(e?.message || e?.field); continue; }
        placed += 1;
        if (m[2] === 'comments') { r.setCommentsError(e.message); first ??= r.comments; }
        else { r.setRowError(e.message); first ??= r.result; }
      }
      if (placed) {
        message.show(`未提交：${placed} 处有误，已在相应的行标出；本次提交的初评都未保存。${unplaced.length ? unplaced.join('；') : ''}`);
      } else {
        message.show(`提交失败：${unplaced.length ? unplaced.join('；') : errorText(err)}`);
      }
      (first ?? save).focus();
    }

    message.setAttribute('tabindex', '-1');

    // ---- the counts by status ----
    async function loadCounts() {
      replace(counts, '正在统计…');
      let n;
      try {
        n = await Promise.all(STATUSES.map((s) => countStatus(batch.id, s, signal)));
      } catch (err) {
        if (signal.aborted) return;
        replace(counts, `统计失败：${errorText(err)}`);
        return;
      }
      if (signal.aborted) return;
      replace(counts, STATUSES.map((s, i) => `${STATUS_LABEL[s]} ${n[i]} 项`).join(' · '));
    }

    filterForm(filters, {
      path: current,
      read: () => ({ status: status.value(), category: category.value(), region: region.value(), q: q.value().trim() }),
      live: [status, category, region],
      onApply: (values) => {
        active = values;
        rows.clear();
        message.show(null);
        list.reload();
      },
    });
    fillRegionSelect(region.input, { empty: '全部', selected: initial.region }).catch(() => {});
    list.load();
    loadCounts();
  }
}
