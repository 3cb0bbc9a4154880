// An objection followed by its receipt (public, /objections/{receipt}):
// its status and, once decided, the reply and when. Nothing personal is
// asked for or shown: the receipt is all the objector holds.
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { loading, failure } from '../states.js';
import { facts } from '../widgets.js';
import { formatDeadline } from '../format.js';
import { objectionBadge, normalizeReceipt, showReceipt, paragraphs } from '../publicity.js';

export const title = '异议处理结果';

const MEANING = {
  received: '异议已受理，正在核实处理。处理完毕后，答复会显示在这里。',
  upheld: '经核实，异议成立：被异议单位的申报已撤销，不予认定。',
  dismissed: '经核实，异议不成立。',
};

export function render(root, { params, signal }) {
  const receipt = normalizeReceipt(params.receipt);
  const head = (...rest) => h('div', { class: 'page-head' },
    h('p', { class: 'breadcrumb' }, h('a', { href: '/notices', dataset: { link: '' } }, '公示'),
      h('span', { 'aria-hidden': 'true' }, ' / '), h('span', null, '异议处理结果')),
    h('h1', null, '异议处理结果'), ...rest);

  const load = async () => {
    if (!receipt) {
      replace(root, h('section', { class: 'page' }, head(),
        h('div', { class: 'state state-error', role: 'alert' },
          h('p', { class: 'state-title' }, '回执编号格式不正确'),
          h('p', { class: 'state-detail' }, '回执编号为 16 位数字和大写字母（不含 0、1、I、L、O），请核对。'))));
      return;
    }
    loading(root);
    let o;
    try {
      o = await api('GET', `/public/objections/${receipt}`, undefined, { signal });
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 404) {
        replace(root, h('section', { class: 'page' }, head(),
          h('div', { class: 'state state-error', role: 'alert' },
            h('p', { class: 'state-title' }, `没有回执编号为 ${showReceipt(receipt)} 的异议`),
            h('p', { class: 'state-detail' }, '请核对回执编号。'))));
        return;
      }
      failure(root, err, { title: '异议处理结果加载失败', onRetry: load });
      return;
    }
    if (signal.aborted) return;
    replace(root,
      h('section', { class: 'page' },
        head(),
        h('section', { class: 'panel', 'aria-labelledby': 'objection-status-title' },
          h('h2', { id: 'objection-status-title' },
            '回执编号 ', h('code', { class: 'receipt-code receipt-code-small' }, showReceipt(receipt))),
          h('p', { id: 'objection-meaning' }, MEANING[o.status] ?? ''),
          facts([
            ['状态', objectionBadge(o.status)],
            ['处理时间', o.decided_at ? [h('time', { datetime: o.decided_at }, formatDeadline(o.decided_at)), '（北京时间）'] : '尚未处理'],
          ], 'facts-compact'),
          o.reply && h('div', { class: 'reply', id: 'objection-reply' },
            h('h3', null, '答复'), paragraphs(o.reply)))));
  };
  load();
}
