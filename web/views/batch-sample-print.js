// 打印抽检名单 (admin): the batch's on-site sample on paper — how it was
// drawn, the applications drawn, and how anyone can draw it again with
// `kpjdd sample` from the seed and the candidates. The candidates are the
// batch's applications whose initial review passed (final once the sample
// is drawn, so the set the draw saw); when their number is the sample's,
// the toolbar offers them as candidates.tsv, the input kpjdd sample reads.
import { h, replace } from '../dom.js';
import { saveBlob } from '../api.js';
import { formatDateTime } from '../format.js';
import { loadingBlock, errorBlock, emptyBlock } from '../states.js';
import { withBatch } from '../batch-page.js';
import { categoryName } from '../appform.js';
import { STRATIFY, loadSample, batchApplications, rateDecimal, ratePercent } from '../evaluation.js';

export const title = '打印抽检名单';

// The command that draws the sample again.
export function sampleCommand(sample) {
  return `kpjdd sample --seed ${sample.seed} --rate ${rateDecimal(sample.rate)} --stratify-by ${sample.stratify_by} < candidates.tsv`;
}

export function render(root, { params, signal }) {
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 打印抽检名单' });

  function show(batch) {
    const back = `/batches/${batch.id}/sample`;
    const body = h('div', null, loadingBlock());
    const printButton = h('button', { type: 'button', class: 'button', disabled: true }, '打印');
    printButton.addEventListener('click', () => window.print());
    const tsvButton = h('button', { type: 'button', class: 'button button-secondary', id: 'sample-tsv', hidden: true },
      '下载候选名单（candidates.tsv）');

    replace(root,
      h('section', { class: 'page print-page' },
        h('div', { class: 'print-toolbar no-print' },
          h('a', { class: 'button button-secondary', href: back, dataset: { link: '' } }, '返回实地抽检'),
          printButton, tsvButton,
          h('p', { class: 'muted small' }, '打印时不显示网站的标题栏和按钮；可在打印对话框中选择“另存为 PDF”。')),
        body));

    const load = async () => {
      replace(body, loadingBlock());
      let sample;
      let apps;
      try {
        [sample, apps] = await Promise.all([loadSample(batch.id, signal), batchApplications(batch.id, {}, signal)]);
      } catch (err) {
        if (signal.aborted) return;
        replace(body, errorBlock(err, { title: '抽检名单加载失败', onRetry: load }));
        return;
      }
      if (signal.aborted) return;
      if (!sample) {
        replace(body, h('h1', null, '实地抽检名单'), emptyBlock('本批次尚未抽取实地抽检样本', null));
        return;
      }
      const chosen = new Set(sample.selected);
      const drawn = apps.filter((a) => chosen.has(a.id)).sort((a, b) => a.id - b.id);
      const candidates = apps.filter((a) => a.initial_review?.result === 'pass').sort((a, b) => a.id - b.id);
      const whole = candidates.length === sample.candidates;
      if (whole) {
        tsvButton.hidden = false;
        tsvButton.onclick = () => {
          const text = candidates.map((a) => `${a.id}\t${a.region ?? ''}\t${a.category ?? ''}\n`).join('');
          saveBlob(new Blob([text], { type: 'text/tab-separated-values;charset=utf-8' }), 'candidates.tsv');
        };
      }
      printButton.disabled = false;
      const strata = sample.stratify_by === 'none' ? '' : `按${sample.stratify_by === 'region' ? '所在地区' : '类别'}分组，`;

      replace(body,
        h('header', { class: 'print-head' },
          h('p', { class: 'eyebrow' }, '全国科普教育基地创建与认定'),
          h('h1', null, '实地抽检名单'),
          h('dl', { class: 'facts facts-inline' },
            [
              ['批次', `${batch.title}（${batch.code}）`],
              ['抽取时间', formatDateTime(sample.created_at)],
              ['抽检比例', `${ratePercent(sample.rate)}（${rateDecimal(sample.rate)}）`],
              ['分层方式', STRATIFY[sample.stratify_by] ?? sample.stratify_by],
              ['候选申报', `${sample.candidates} 份`],
              ['抽中', `${sample.selected.length} 份`],
              ['抽样算法', sample.algorithm],
              ['打印时间', formatDateTime(new Date().toISOString())],
            ].map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v)))),
          h('p', { class: 'seed-print' }, h('span', { class: 'seed-label' }, '随机种子：'),
            h('code', { id: 'print-seed' }, sample.seed))),
        drawn.length
          ? h('div', { class: 'table-wrap print-wrap', tabindex: '0', role: 'region', 'aria-label': '抽中的申报（可横向滚动）' },
            h('table', { class: 'table print-table sample-print-table' },
              h('caption', { class: 'visually-hidden' }, '抽中的申报'),
              h('thead', null, h('tr', null,
                ['序号', '申报编号', '申报单位', '基地名称', '所在地区', '类别', '推荐单位'].map((c) => h('th', { scope: 'col' }, c)))),
              h('tbody', null, drawn.map((a, i) => h('tr', { dataset: { id: String(a.id) } },
                h('td', { class: 'num' }, String(i + 1)),
                h('td', { class: 'num' }, String(a.id)),
                h('td', null, a.unit_name),
                h('td', null, a.base_name ?? ''),
                h('td', null, a.region),
                h('td', null, categoryName(a.category)),
                h('td', null, a.recommender_name))))))
          : emptyBlock('样本中没有申报', null),
        h('p', { class: 'muted small' }, `共 ${sample.selected.length} 份。`),
        h('section', { class: 'print-howto', 'aria-labelledby': 'recompute-title' },
          h('h2', { id: 'recompute-title' }, '复核方法'),
          h('p', null,
            `本样本按公开的 ${sample.algorithm} 算法抽取，任何人凭上面的随机种子和候选名单都能重新算出同样的结果：`,
            `候选申报为抽样时本批次初评通过的全部申报（${sample.candidates} 份）；${strata}`,
            '每组内按 HMAC-SHA256（密钥为种子的 32 个字节，消息为申报编号的十进制文本）的十六进制值从小到大排列，',
            `取前“组内份数 × ${rateDecimal(sample.rate)}”份（向上取整，每组至少 1 份）；各组取出的申报合在一起即为样本，按申报编号排列。`),
          h('p', null, '用平台的命令行程序复核（输出抽中的申报编号，每行一个，应与上表一致）：'),
          h('pre', { class: 'command', id: 'print-command' }, sampleCommand(sample)),
          h('p', null, 'candidates.tsv 为候选名单，每行一份申报：申报编号、所在地区、类别，以制表符分隔，无表头',
            whole ? '；可在平台的本页面下载，也可由数据库导出：' : '，可由数据库导出：'),
          h('pre', { class: 'command' },
            `psql -At -F $'\\t' -c "SELECT id, region_name, category FROM applications WHERE batch_id = ${batch.id} AND initial_result = 'pass' ORDER BY id" > candidates.tsv`),
          !whole && h('p', { class: 'warn-text', id: 'print-candidates-note' },
            `平台当前只找到 ${candidates.length} 份初评通过的申报，与抽样时的 ${sample.candidates} 份不一致，候选名单请以数据库导出或审计记录为准。`)));
    };
    load();
  }
}
