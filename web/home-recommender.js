// The recommender's workbench (工作台): per open batch, what waits for it —
// submissions to review, quota left, its contact form, unused codes — and
// the deadlines with the time left, each with the link that acts on it.
// One request per batch: GET /batches/{id}/dashboard answers its own row.
import { h, replace } from './dom.js';
import { api, listAll } from './api.js';
import { isPast } from './format.js';
import { loadingBlock, errorBlock } from './states.js';
import { countdown } from './countdown.js';

const ZERO = { quota: null, recommended: 0, codes_issued: 0, codes_used: 0, codes_unused: 0, submitted: 0, contact_filed: false };

// One figure: a number, what it counts, a link that acts on it.
function figure({ id, value, unit, label, note, href, linkText, tone }) {
  return h('li', { class: `bench-figure${tone ? ` bench-figure-${tone}` : ''}`, dataset: { figure: id } },
    h('p', { class: 'bench-figure-label', id: `${id}-label` }, label),
    h('p', { class: 'bench-figure-value' }, h('strong', null, value), unit && h('span', { class: 'bench-figure-unit' }, unit)),
    note && h('p', { class: 'bench-figure-note' }, note),
    href && h('a', { href, dataset: { link: '' }, 'aria-describedby': `${id}-label` }, linkText));
}

function batchBlock(d, signal) {
  const b = d.batch;
  const row = d.items[0] ?? ZERO;
  const key = `b${b.id}`;
  const quotaText = row.quota == null ? '未下达' : String(Math.max(0, row.quota - row.recommended));
  const contactOpen = !isPast(b.contact_deadline);
  return h('article', { class: 'card bench-batch-card', dataset: { batch: String(b.id) }, 'aria-labelledby': `${key}-title` },
    h('h3', { class: 'card-title', id: `${key}-title` }, `${b.title}（${b.code}）`),
    countdown('推荐截止', b.recommend_deadline, signal),
    !row.contact_filed && contactOpen && countdown('联系人报送截止', b.contact_deadline, signal),
    h('ul', { class: 'bench-figures', 'aria-label': `${b.title}的推荐工作` },
      figure({ id: `${key}-pending`, value: String(row.submitted), unit: '项', label: '待审核申报',
        tone: row.submitted > 0 ? 'todo' : null,
        href: `/review?batch_id=${b.id}&status=submitted`, linkText: row.submitted > 0 ? '去审核' : '查看申报' }),
      figure({ id: `${key}-quota`, value: quotaText, unit: row.quota == null ? '' : '个', label: '剩余推荐名额',
        note: row.quota == null ? '中国科协尚未下达名额' : `已推荐 ${row.recommended} / 名额 ${row.quota}`,
        tone: row.quota != null && row.recommended >= row.quota ? 'full' : null,
        href: `/my/batches/${b.id}`, linkText: '查看名额' }),
      figure({ id: `${key}-contact`, value: row.contact_filed ? '已报送' : '未报送', label: '联系人报送（附件2）',
        tone: row.contact_filed ? null : 'todo',
        href: `/my/batches/${b.id}`, linkText: row.contact_filed ? '查看或修改' : '去报送' }),
      figure({ id: `${key}-codes`, value: String(row.codes_unused), unit: '个', label: '未使用邀请码',
        note: `已发放 ${row.codes_issued} 个，已使用 ${row.codes_used} 个`,
        href: `/my/batches/${b.id}/invitations`, linkText: '管理邀请码' })));
}

// 推荐工作 on the workbench. → a section that loads itself.
export function recommenderWorkbench(signal) {
  const body = h('div', null, loadingBlock());
  const box = h('section', { class: 'section-tight bench', 'aria-labelledby': 'bench-rec-title' },
    h('h2', { id: 'bench-rec-title' }, '待办事项'), body);
  const load = async () => {
    replace(body, loadingBlock());
    let boards;
    try {
      const open = await listAll('/batches', { status: 'open' }, { signal, limit: 50, maxPages: 2 });
      boards = await Promise.all(open.map((b) => api('GET', `/batches/${b.id}/dashboard`, undefined, { signal })));
    } catch (err) {
      if (signal.aborted) return;
      replace(body, errorBlock(err, { title: '待办事项加载失败', onRetry: load }));
      return;
    }
    if (signal.aborted) return;
    replace(body, boards.length
      ? h('div', { class: 'bench-batches' }, boards.map((d) => batchBlock(d, signal)))
      : h('p', { class: 'muted' }, '目前没有正在申报的批次。'));
  };
  load();
  return box;
}
