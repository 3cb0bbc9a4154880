// One batch (admin), section 终期优秀转入: the bases assessed excellent at
// the end of an earlier term enter the batch as proposed applications
// (优秀直接认定), outside every quota, once (POST /batches/{id}/carry-over,
// batch `evaluating`). Before the button, a preview of who enters; after,
// who entered; and the applications already carried over.
//
// The preview is computed here from every base (GET /bases, read whole up
// to LIST_BOUND): per unit (credit code) the latest assessed term ended
// before the batch's term starts, when excellent and not revoked, less the
// units that already have an application in the batch (GET
// /applications?batch_id; its items carry no credit code, so by the unit's
// name). The server applies the rule by credit code; its answer counts.
import { h, replace } from '../dom.js';
import { api, listAll } from '../api.js';
import { loadingBlock, errorBlock, emptyBlock } from '../states.js';
import { confirmDialog } from '../dialog.js';
import { withBatch, batchHead } from '../batch-page.js';
import { categoryName } from '../appform.js';
import { termText } from '../publicity.js';
import { applicationBadge, fastTrackBadge } from '../widgets.js';

export const title = '终期优秀转入';

const BOUND_PAGES = 50;
const LIST_BOUND = BOUND_PAGES * 200;

// The bases that would enter `batch`: of each unit (credit code), its
// latest assessed term ended before the batch's starts decides (as
// lib/domain/term.h says); it enters when that was excellent, the base is
// not revoked and the unit is not in the batch yet.
export function carryOverPreview(bases, applications, batch) {
  const inBatch = new Set(applications.map((a) => a.unit_name));
  const latest = new Map();
  for (const b of bases) {
    if (!b.term_assessment || b.term_end_year >= batch.term_start_year) continue;
    const seen = latest.get(b.credit_code);
    if (!seen || b.term_end_year > seen.term_end_year || (b.term_end_year === seen.term_end_year && b.id > seen.id)) latest.set(b.credit_code, b);
  }
  return [...latest.values()]
    .filter((b) => b.term_assessment.result === 'excellent' && b.status !== 'revoked' && !inBatch.has(b.unit_name))
    .sort((a, b) => a.credit_code.localeCompare(b.credit_code));
}

function table(id, caption, rows, columns, cells) {
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': `${caption}（可横向滚动）` },
    h('table', { class: 'table table-cards', id },
      h('caption', { class: 'visually-hidden' }, caption),
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', null, rows.map(cells))));
}

const baseRow = (b) => h('tr', { dataset: { id: String(b.id) } },
  h('td', { class: 'cell-title' }, h('a', { href: `/admin/bases/${b.id}`, dataset: { link: '' } }, b.name),
    h('span', { class: 'block small muted' }, b.unit_name)),
  h('td', { class: 'nowrap', dataset: { label: '证书编号' } }, b.certificate_no),
  h('td', { class: 'nowrap', dataset: { label: '所在地区' } }, b.region),
  h('td', { dataset: { label: '类别' } }, categoryName(b.category)),
  h('td', { class: 'nowrap', dataset: { label: '原届期' } }, termText(b)));

const appRow = (a) => h('tr', { dataset: { id: String(a.id) } },
  h('td', { class: 'cell-title' }, h('a', { href: `/admin/applications/${a.id}`, dataset: { link: '' } }, a.base_name || a.unit_name),
    h('span', { class: 'block small muted' }, a.unit_name)),
  h('td', { class: 'nowrap', dataset: { label: '所在地区' } }, a.region ?? '—'),
  h('td', { dataset: { label: '类别' } }, categoryName(a.category)),
  h('td', { class: 'nowrap', dataset: { label: '状态' } }, applicationBadge(a.status), ' ', fastTrackBadge(a.fast_track)));

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/carry-over`;
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 终期优秀转入' });

  function show(batch, result = null) {
    const area = h('div', { id: 'carry-area', class: 'carry-area' }, loadingBlock());
    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        result && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'carry-notice', tabindex: '-1' },
          result.count ? `已转入 ${result.count} 个终期考核优秀的基地，状态为“拟认定”。` : '没有需要转入的基地。'),
        h('section', { class: 'panel', 'aria-labelledby': 'carry-title' },
          h('h2', { id: 'carry-title', tabindex: '-1' }, '终期考核优秀基地转入'),
          h('p', null, `上一届期终期考核“优秀”、届期在本批次任期（${batch.term_start_year} 年起）之前结束的基地，直接列入本批次建议名单（拟认定，优秀直接认定），不占推荐名额，随建议名单公示。每个单位只转入一次。`),
          area)));
    if (result) root.querySelector('#carry-notice')?.focus();
    fill(batch, area, result);
  }

  async function fill(batch, area, result) {
    let bases;
    let apps;
    try {
      [bases, apps] = await Promise.all([
        listAll('/bases', {}, { signal, maxPages: BOUND_PAGES }),
        listAll('/applications', { batch_id: batch.id }, { signal, maxPages: BOUND_PAGES }),
      ]);
    } catch (err) {
      if (signal.aborted) return;
      replace(area, errorBlock(err, { title: '转入名单加载失败', onRetry: () => fill(batch, area, result) }));
      return;
    }
    if (signal.aborted) return;
    const preview = carryOverPreview(bases, apps, batch);
    const carried = apps.filter((a) => a.fast_track === 'excellent');
    const partial = bases.length >= LIST_BOUND;
    const open = batch.status === 'evaluating';
    const button = h('button', { type: 'button', class: 'button', id: 'carry-button' }, `转入 ${preview.length} 个基地`);
    button.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: `转入 ${preview.length} 个终期考核优秀的基地？`,
        body: h('div', null,
          h('p', null, '以下基地将以“拟认定”状态进入本批次，不占推荐名额：'),
          h('ul', { id: 'carry-confirm-list' }, preview.map((b) => h('li', null, `${b.name}（${b.unit_name}）`)))),
        confirmText: '确认转入',
      });
      if (!ok || signal.aborted) return;
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      button.textContent = '正在转入…';
      let answer;
      try {
        answer = await api('POST', `/batches/${batch.id}/carry-over`, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        button.removeAttribute('aria-busy');
        button.disabled = false;
        button.textContent = `转入 ${preview.length} 个基地`;
        area.prepend(errorBlock(err, { title: '转入失败' }));
        return;
      }
      if (signal.aborted) return;
      show(batch, answer);
    });
    replace(area,
      h('h3', null, '待转入'),
      preview.length
        ? table('carry-preview', '待转入的基地', preview, ['基地 / 单位', '证书编号', '所在地区', '类别', '原届期'], baseRow)
        : emptyBlock('没有待转入的基地', '终期考核优秀的基地都已在本批次中，或尚无终期考核优秀的基地。'),
      partial && h('p', { class: 'muted small' }, `基地超过 ${LIST_BOUND} 个，预览只统计了前 ${LIST_BOUND} 个；转入以服务器为准。`),
      !open
        ? h('p', { class: 'muted', id: 'carry-closed' }, '只有批次在“评审中”时才能转入。')
        : preview.length > 0 && h('div', { class: 'form-actions' }, button),
      h('h3', null, `已转入（${carried.length}）`),
      carried.length
        ? table('carry-done', '已转入的申报', carried, ['基地 / 单位', '所在地区', '类别', '状态'], appRow)
        : h('p', { class: 'muted', id: 'carry-none' }, '本批次尚未转入基地。'));
  }
}
