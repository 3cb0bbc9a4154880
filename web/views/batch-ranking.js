// One batch (admin), section 排名与建议名单: the candidates ranked within
// each category by the trimmed mean of the experts' submitted totals,
// every total shown with the outliers (more than 15 points from the
// median) marked by a sign and words, not colour alone; the CSV for
// Excel; and fixing the proposed list: the ticked candidates become
// 拟认定, every other one 终评未通过, after a dialog that counts both.
import { h, replace } from '../dom.js';
import { api, API_BASE } from '../api.js';
import { submitButton, formMessage } from '../forms.js';
import { loadingBlock, errorBlock, emptyBlock, errorText } from '../states.js';
import { confirmDialog } from '../dialog.js';
import { applicationBadge, fastTrackBadge, badge } from '../widgets.js';
import { categoryName } from '../appform.js';
import { withBatch, batchHead } from '../batch-page.js';
import { expertsById, applicationsById, expertName, points } from '../experts.js';

export const title = '排名与建议名单';

const FIXED = new Set(['proposed', 'final_rejected', 'named', 'withdrawn_after_objection']);

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/ranking`;
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 排名与建议名单' });

  function show(batch, { notice } = {}) {
    const area = h('div', null, loadingBlock());
    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        h('section', { class: 'panel', 'aria-labelledby': 'ranking-title' },
          h('div', { class: 'panel-head' },
            h('h2', { id: 'ranking-title', tabindex: '-1' }, '终评排名'),
            h('a', { class: 'button button-secondary', id: 'ranking-csv', href: `${API_BASE}/batches/${batch.id}/ranking.csv`, download: '' }, '下载排名（CSV）')),
          h('p', null, '各类别内按截尾平均分（5 位及以上专家时去掉一个最高分和一个最低分）排名，并列者名次相同。与中位数相差超过 15 分的专家总分标记为“离群”，请关注评分是否一致。'),
          notice && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'ranking-notice', tabindex: '-1' }, notice),
          area)));

    const load = async () => {
      replace(area, loadingBlock());
      let ranking; let experts; let apps;
      try {
        [ranking, experts, apps] = await Promise.all([
          api('GET', `/batches/${batch.id}/ranking`, undefined, { signal }),
          expertsById(signal), applicationsById(batch.id, signal)]);
      } catch (err) {
        if (signal.aborted) return;
        replace(area, errorBlock(err, { title: '排名加载失败', onRetry: load }));
        return;
      }
      if (signal.aborted) return;
      const items = ranking?.items ?? [];
      if (!items.length) {
        replace(area, emptyBlock('没有终评候选申报', '初评通过（含实地核查通过）的申报才进入终评。'));
        return;
      }
      const fixed = items.some((i) => FIXED.has(apps.get(i.application_id)?.status));
      const incomplete = items.filter((i) => !i.complete).length;
      const boxes = new Map();
      const categories = [...new Set(items.map((i) => i.category))];

      const tables = categories.map((cat) => {
        const rows = items.filter((i) => i.category === cat);
        const id = `ranking-${cat}`;
        return h('section', { class: 'ranking-category', 'aria-labelledby': id },
          h('h3', { id }, `${categoryName(cat)}（${rows.length} 份）`),
          h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': `${categoryName(cat)}排名（可横向滚动）` },
            h('table', { class: 'table table-cards ranking-table', 'aria-labelledby': id },
              h('thead', null, h('tr', null,
                [fixed ? '结果' : '建议', '名次', '申报单位 / 基地名称', '推荐单位', '专家总分', '截尾平均', '平均', '中位数', '极差', '评分']
                  .map((c) => h('th', { scope: 'col' }, c)))),
              h('tbody', null, rows.map((i) => rankRow(i, fixed))))));
      });

      function rankRow(i, isFixed) {
        const a = apps.get(i.application_id);
        let choose;
        if (isFixed) {
          choose = a ? applicationBadge(a.status) : '—';
        } else {
          const box = h('input', { type: 'checkbox', id: `propose-${i.application_id}`, value: String(i.application_id) });
          boxes.set(i.application_id, { box, item: i });
          choose = [box, h('label', { for: box.id, class: 'visually-hidden' }, `将“${i.unit_name}”列入建议名单`)];
        }
        const outliers = new Set(i.outliers);
        return h('tr', { dataset: { application: String(i.application_id) }, class: i.outliers.length ? 'row-outlier' : null },
          h('td', { class: 'nowrap' }, choose),
          h('td', { class: 'num', dataset: { label: '名次' } }, i.rank ?? '—'),
          h('td', { class: 'cell-title' }, i.unit_name, fastTrackBadge(a?.fast_track), h('span', { class: 'block small muted' }, `${i.base_name || '（基地名称未填写）'} · ${i.region}`)),
          h('td', { dataset: { label: '推荐单位' } }, i.recommender_name),
          h('td', { dataset: { label: '专家总分' } }, i.totals.length
            ? h('ul', { class: 'totals' }, i.totals.map((t) => h('li', { class: outliers.has(t.expert_id) ? 'total-outlier' : null },
              `${expertName(experts, t.expert_id)} `, h('strong', null, points(t.total)),
              outliers.has(t.expert_id) && h('span', { class: 'outlier-mark' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), '离群'))))
            : h('span', { class: 'muted' }, '尚无提交')),
          h('td', { class: 'num', dataset: { label: '截尾平均' } }, h('strong', null, points(i.trimmed_mean))),
          h('td', { class: 'num', dataset: { label: '平均' } }, points(i.mean)),
          h('td', { class: 'num', dataset: { label: '中位数' } }, points(i.median)),
          h('td', { class: 'num', dataset: { label: '极差' } }, points(i.spread)),
          h('td', { class: 'nowrap', dataset: { label: '评分' } }, i.complete ? badge('已完成', 'ok') : badge(`未完成（${i.n} 份已提交）`, 'warn')));
      }

      replace(area,
        incomplete > 0 && h('p', { class: 'callout callout-warn', id: 'ranking-incomplete' },
          `还有 ${incomplete} 份申报的评分未完成；全部完成后才能确定建议名单。`),
        fixed && h('p', { class: 'status-note', id: 'ranking-fixed' }, '建议名单已确定，不能再修改。'),
        tables,
        !fixed && batch.status === 'evaluating' && proposeForm(batch, items, boxes, incomplete));
    };
    load();
  }

  function proposeForm(batch, items, boxes, incomplete) {
    const topN = h('input', { type: 'number', id: 'propose-top', class: 'input input-short', min: '0', step: '1', inputmode: 'numeric', value: '1' });
    const pick = h('button', { type: 'button', class: 'button button-secondary', id: 'propose-pick' }, '按名次勾选');
    const count = h('p', { class: 'muted', id: 'propose-count', role: 'status' });
    const message = formMessage('propose-message');
    const submit = submitButton('确定建议名单', '正在确定…');
    submit.id = 'propose-submit';
    submit.disabled = incomplete > 0;
    const ticked = () => [...boxes.values()].filter((b) => b.box.checked).map((b) => b.item);
    const refresh = () => replace(count, `已勾选 ${ticked().length} 份，共 ${items.length} 份候选申报。`);
    for (const b of boxes.values()) b.box.addEventListener('change', refresh);
    pick.addEventListener('click', () => {
      const n = Number(topN.value);
      for (const b of boxes.values()) b.box.checked = b.item.rank != null && b.item.rank <= n;
      refresh();
    });
    refresh();

    const form = h('form', { class: 'form form-wide propose-form', novalidate: true, 'aria-labelledby': 'propose-title' },
      h('h3', { id: 'propose-title' }, '确定建议名单'),
      h('p', null, '勾选列入建议名单（拟认定）的申报；未勾选的候选申报将为“终评未通过”。名单只能确定一次。'),
      h('div', { class: 'inline-form' },
        h('label', { for: 'propose-top' }, '每个类别勾选前'), topN, h('span', null, '名'), pick),
      count, message, h('div', { class: 'form-actions' }, submit));

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.show(null);
      const chosen = ticked();
      const rejected = items.length - chosen.length;
      const ok = await confirmDialog({
        title: '确定建议名单？',
        body: h('div', null,
          h('p', { id: 'propose-confirm-text' }, `${chosen.length} 份申报将列为“拟认定”，${rejected} 份将为“终评未通过”。`),
          h('p', { class: 'warn-text' }, '建议名单只能确定一次，确定后不能修改；申报单位及其推荐单位会收到通知。')),
        confirmText: '确定名单',
        danger: true,
      });
      if (!ok || signal.aborted) return;
      submit.busy(true);
      let answer;
      try {
        answer = await api('POST', `/batches/${batch.id}/proposed-list`, { application_ids: chosen.map((i) => i.application_id) }, { signal });
      } catch (err) {
        if (signal.aborted) return;
        submit.busy(false);
        message.show(`确定失败：${errorText(err)}`);
        submit.focus();
        return;
      }
      if (signal.aborted) return;
      show(batch, { notice: `建议名单已确定：${answer.proposed} 份拟认定，${answer.final_rejected} 份终评未通过。` });
      root.querySelector('#ranking-notice')?.focus();
    });
    return form;
  }
}
