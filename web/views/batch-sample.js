// One batch (admin), section 实地抽检: before the draw, the form that draws
// the batch's one on-site sample (抽检比例 as a percentage, 分层方式, an
// optional seed), asked once more in a dialog since it cannot be undone;
// after it, how it was drawn (the seed, the algorithm, the candidates),
// the applications it drew with their on-site checks, and the way to the
// printable list.
import { h, replace } from '../dom.js';
import { api } from '../api.js';
import { formatDateTime } from '../format.js';
import { field, radioField, submitButton, formMessage, onSubmit } from '../forms.js';
import { loadingBlock, errorBlock, emptyBlock } from '../states.js';
import { confirmDialog, copyButton } from '../dialog.js';
import { applicationBadge, fastTrackBadge, facts } from '../widgets.js';
import { categoryName } from '../appform.js';
import { withBatch, batchHead } from '../batch-page.js';
import {
  STRATIFY, loadSample, countStatus, batchApplications, rateDecimal, ratePercent, percentToRate, resultBadge,
} from '../evaluation.js';

export const title = '实地抽检';

export function render(root, { params, signal }) {
  const current = `/batches/${params.id}/sample`;
  withBatch(root, params.id, signal, start, { titleSuffix: ' · 实地抽检' });

  async function start(batch, { notice } = {}) {
    let sample;
    try {
      sample = await loadSample(batch.id, signal);
    } catch (err) {
      if (signal.aborted) return;
      replace(root, h('section', { class: 'page' }, batchHead(batch, { role: 'admin', current }),
        errorBlock(err, { title: '实地抽检信息加载失败', onRetry: () => start(batch) })));
      return;
    }
    if (signal.aborted) return;
    if (sample) drawn(batch, sample, notice);
    else drawForm(batch);
  }

  // ---- before the draw ----
  function drawForm(batch) {
    const evaluating = batch.status === 'evaluating';
    const waiting = h('div', { id: 'sample-waiting', 'aria-live': 'polite' }, loadingBlock('正在统计候选申报…'));
    const rate = field({
      id: 'sample-rate', label: '抽检比例（%）',
      hint: '初评通过的申报中抽取的比例，大于 0、不超过 100，如 30 或 12.5；每组至少抽取 1 份，按组内份数乘以比例向上取整。',
      attrs: { type: 'text', inputmode: 'decimal', autocomplete: 'off', class: 'input input-short', required: true },
    });
    const strata = radioField({
      id: 'sample-stratify', legend: '分层方式', choices: STRATIFY, selected: 'none',
      hint: '分层时每个所在地区（或类别）各自按比例抽取，保证每组都有申报被抽中。',
    });
    const seed = field({
      id: 'sample-seed', label: '随机种子（可不填）',
      hint: '64 位十六进制字符。不填时由服务器生成 32 字节随机数；如需事先公开种子（如现场摇号产生），请在此填写。',
      attrs: { type: 'text', autocomplete: 'off', spellcheck: 'false', class: 'input input-code input-seed', maxlength: 64 },
    });
    const message = formMessage('sample-message');
    const submit = submitButton('抽取样本', '正在抽取…');
    submit.id = 'sample-draw';
    const form = h('form', { class: 'form form-wide', novalidate: true, 'aria-labelledby': 'sample-title' },
      rate.wrap, strata.wrap, seed.wrap, message, h('div', { class: 'form-actions' }, submit));

    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        h('section', { class: 'panel', 'aria-labelledby': 'sample-title' },
          h('h2', { id: 'sample-title', tabindex: '-1' }, '抽取实地抽检样本'),
          h('p', null, '从本批次初评通过的申报中按比例随机抽取，进行实地核查。每批只抽取一次；抽取后初评结果不能再更改，被抽中的申报单位及其推荐单位会收到通知。'),
          h('p', { class: 'muted' }, '抽样按公开的 kpjd-sample-v1 算法进行：任何人凭随机种子和候选名单都能重新算出同样的样本。'),
          evaluating ? [waiting, form] : h('p', { class: 'status-note' }, '批次不在评审阶段，不能抽取样本。'))));

    if (!evaluating) return;

    (async () => {
      let pending;
      let candidates;
      try {
        [pending, candidates] = await Promise.all(['recommended', 'initial_passed'].map((s) => countStatus(batch.id, s, signal)));
      } catch (err) {
        if (signal.aborted) return;
        replace(waiting, errorBlock(err, { title: '候选申报统计失败' }));
        return;
      }
      if (signal.aborted) return;
      replace(waiting, h('p', { class: pending ? 'callout callout-warn' : 'status-note' },
        `候选申报（初评通过）：${candidates} 份。`,
        pending
          ? [`尚有 ${pending} 份已推荐的申报未完成初评，全部初评后才能抽取。`,
            h('a', { href: `/batches/${batch.id}/review`, dataset: { link: '' } }, '前往初评')]
          : '已推荐的申报均已初评。'));
    })();

    onSubmit(form, {
      signal, message, submit, fields: { rate, seed, stratify_by: strata }, title: '抽取失败',
      read: () => {
        const values = { stratify_by: strata.value() };
        let firstBad = null;
        const r = percentToRate(rate.value());
        if (r === null) {
          rate.setError(rate.value().trim() ? '抽检比例应为大于 0、不超过 100 的数，至多 7 位小数' : '请填写抽检比例');
          firstBad = rate.input;
        } else {
          values.rate = Number(r);
        }
        const s = seed.value().trim().toLowerCase();
        if (s && !/^[0-9a-f]{64}$/.test(s)) {
          seed.setError('随机种子应为 64 位十六进制字符（0–9、a–f），或留空');
          firstBad ??= seed.input;
        } else if (s) {
          values.seed = s;
        }
        return firstBad ? { firstBad } : { values };
      },
      send: async (values) => {
        const ok = await confirmDialog({
          title: '抽取实地抽检样本？',
          body: h('div', null,
            h('p', null, `按 ${ratePercent(values.rate)}、${STRATIFY[values.stratify_by]}，${values.seed ? '使用填写的随机种子' : '由服务器生成随机种子'}，从初评通过的申报中抽取。`),
            h('p', { class: 'warn-text' }, '每批只能抽取一次，抽取后不能撤销，初评结果也不能再更改。')),
          confirmText: '抽取',
          danger: true,
        });
        if (!ok) return null;
        return api('POST', `/batches/${batch.id}/onsite-sample`, values, { signal });
      },
      done: (answer) => {
        if (answer === null) { submit.busy(false); return; }
        drawn(batch, answer, '已抽取样本，被抽中的申报单位及其推荐单位会收到通知。');
        root.querySelector('#sample-title')?.focus();
      },
    });
  }

  // ---- after it ----
  function drawn(batch, sample, notice) {
    const seedValue = h('code', { class: 'seed', id: 'sample-seed-value' }, sample.seed);
    const copyStatus = h('span', { class: 'copy-status small', role: 'status' });
    const body = h('div', null, loadingBlock('正在加载抽中的申报…'));

    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'admin', current }),
        h('section', { class: 'panel', 'aria-labelledby': 'sample-title' },
          h('div', { class: 'panel-head' },
            h('h2', { id: 'sample-title', tabindex: '-1' }, '实地抽检样本'),
            h('a', { class: 'button button-secondary', href: `${current}/print`, dataset: { link: '' }, id: 'sample-print' }, '打印抽检名单')),
          notice && h('p', { class: 'form-message form-message-ok', role: 'status' }, notice),
          facts([
            ['抽取时间', h('time', { datetime: sample.created_at }, formatDateTime(sample.created_at))],
            ['抽检比例', `${ratePercent(sample.rate)}（${rateDecimal(sample.rate)}）`],
            ['分层方式', STRATIFY[sample.stratify_by] ?? sample.stratify_by],
            ['候选申报', `${sample.candidates} 份（抽样时初评通过的申报）`],
            ['抽中', `${sample.selected.length} 份`],
            ['抽样算法', sample.algorithm],
            ['随机种子', h('span', { class: 'seed-line' }, seedValue,
              copyButton(sample.seed, { status: copyStatus, selectable: seedValue, name: '随机种子' }), copyStatus)],
          ], 'facts-table sample-facts')),
        h('section', { class: 'panel', 'aria-labelledby': 'sample-apps-title' },
          h('h2', { id: 'sample-apps-title' }, '抽中的申报'),
          h('p', { class: 'muted' }, '逐一安排实地核查，并在此填写核查记录、上传核查材料。核查不通过的申报不再进入终评。'),
          body)));

    const load = async () => {
      replace(body, loadingBlock('正在加载抽中的申报…'));
      let apps;
      try {
        apps = await batchApplications(batch.id, {}, signal);
      } catch (err) {
        if (signal.aborted) return;
        replace(body, errorBlock(err, { title: '抽中的申报加载失败', onRetry: load }));
        return;
      }
      if (signal.aborted) return;
      const chosen = new Set(sample.selected);
      const items = apps.filter((a) => chosen.has(a.id)).sort((a, b) => a.id - b.id);
      if (!items.length) {
        replace(body, emptyBlock('样本中没有申报', '抽样时本批次没有初评通过的申报。'));
        return;
      }
      const checked = items.filter((a) => a.onsite_check).length;
      replace(body,
        h('p', { class: 'table-summary muted', id: 'sample-progress' }, `共 ${items.length} 份，已核查 ${checked} 份。`),
        h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '抽中的申报（可横向滚动）' },
          h('table', { class: 'table table-cards sample-table' },
            h('caption', { class: 'visually-hidden' }, '抽中的申报'),
            h('thead', null, h('tr', null,
              ['申报单位 / 基地名称', '类别', '所在地区', '推荐单位', '状态', '实地核查', '操作'].map((c) => h('th', { scope: 'col' }, c)))),
            h('tbody', null, items.map(sampleRow)))));
    };

    function sampleRow(a) {
      const check = a.onsite_check;
      return h('tr', { dataset: { id: String(a.id) } },
        h('td', { class: 'cell-title' },
          h('a', { href: `/batches/${batch.id}/onsite/${a.id}`, dataset: { link: '' } }, a.unit_name),
          h('span', { class: 'block small muted' }, a.base_name || '（基地名称未填写）')),
        h('td', { dataset: { label: '类别' } }, categoryName(a.category)),
        h('td', { class: 'nowrap', dataset: { label: '所在地区' } }, a.region),
        h('td', { dataset: { label: '推荐单位' } }, a.recommender_name),
        h('td', { class: 'nowrap', dataset: { label: '状态' } }, applicationBadge(a.status), fastTrackBadge(a.fast_track)),
        h('td', { class: 'nowrap', dataset: { label: '实地核查' } },
          check
            ? [resultBadge(check.result), h('span', { class: 'small' }, check.visited_on)]
            : h('span', { class: 'muted' }, '尚未核查')),
        h('td', { class: 'nowrap' },
          h('a', { href: `/batches/${batch.id}/onsite/${a.id}`, dataset: { link: '' }, 'aria-label': `${check ? '查看或修改' : '填写'}“${a.unit_name}”的核查记录` },
            check ? '查看记录' : '填写记录')));
    }

    load();
  }
}
