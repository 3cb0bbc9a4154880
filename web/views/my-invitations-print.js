// 打印邀请码 (recommender): a print-friendly list of this batch's codes
// (unused ones unless ?status says otherwise) with how to use them; 打印
// calls window.print(), and the print style sheet hides the site's chrome.
import { h, replace } from '../dom.js';
import { listAll } from '../api.js';
import { INVITATION_STATUS, formatDeadline, formatDateTime } from '../format.js';
import { loadingBlock, errorBlock } from '../states.js';
import { withBatch } from '../batch-page.js';
import { displayCode } from './my-invitations.js';

export const title = '打印邀请码';

export function render(root, { params, signal, user }) {
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 打印邀请码' });

  function show(batch) {
    const raw = new URLSearchParams(location.search).get('status') ?? 'unused';
    const status = raw === 'all' || raw === '' ? '' : (INVITATION_STATUS[raw] ? raw : 'unused');
    const back = `/my/batches/${batch.id}/invitations`;
    const registerUrl = `${location.origin}/register`;
    const body = h('div', null, loadingBlock());
    const printButton = h('button', { type: 'button', class: 'button', disabled: true }, '打印');
    printButton.addEventListener('click', () => window.print());

    replace(root,
      h('section', { class: 'page print-page' },
        h('div', { class: 'print-toolbar no-print' },
          h('a', { class: 'button button-secondary', href: back, dataset: { link: '' } }, '返回邀请码列表'),
          printButton,
          h('p', { class: 'muted small' }, '打印时不显示网站的标题栏和按钮；可在打印对话框中选择“另存为 PDF”。')),
        h('header', { class: 'print-head' },
          h('p', { class: 'eyebrow' }, '全国科普教育基地创建与认定'),
          h('h1', null, '申报邀请码'),
          h('dl', { class: 'facts facts-inline' },
            h('div', null, h('dt', null, '批次'), h('dd', null, `${batch.title}（${batch.code}）`)),
            h('div', null, h('dt', null, '推荐单位'), h('dd', null, user.display_name || user.username)),
            h('div', null, h('dt', null, '范围'), h('dd', null, status ? `${INVITATION_STATUS[status]}的邀请码` : '全部邀请码')),
            h('div', null, h('dt', null, '打印时间'), h('dd', null, formatDateTime(new Date().toISOString()))))),
        h('div', { class: 'print-howto' },
          h('p', null, h('strong', null, '使用方法：'),
            `申报单位访问 ${registerUrl} ，输入下列邀请码之一，核对批次和推荐单位后填写单位信息、设置登录账号，即完成注册并创建申报。`),
          h('p', null, `每个邀请码只能使用一次，推荐截止（北京时间 ${formatDeadline(batch.recommend_deadline)}）后失效。请勿公开张贴。`)),
        body));

    const load = async () => {
      replace(body, loadingBlock());
      let items;
      try {
        items = await listAll(`/batches/${batch.id}/invitations`, { status }, { signal });
      } catch (err) {
        if (signal.aborted) return;
        replace(body, errorBlock(err, { title: '邀请码加载失败', onRetry: load }));
        return;
      }
      if (signal.aborted) return;
      if (items.length === 0) {
        replace(body, h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, '没有可打印的邀请码')));
        return;
      }
      printButton.disabled = false;
      replace(body,
        h('div', { class: 'table-wrap print-wrap', tabindex: '0', role: 'region', 'aria-label': '邀请码清单（可横向滚动）' }, h('table', { class: 'table print-table' },
          h('caption', { class: 'visually-hidden' }, '邀请码清单'),
          h('thead', null, h('tr', null,
            ['序号', '邀请码', '状态', '申报单位', '发给（手填）'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', null, items.map((item, i) => h('tr', null,
            h('td', { class: 'num' }, String(i + 1)),
            h('td', null, h('code', { class: 'invite-code invite-code-print' }, displayCode(item))),
            h('td', null, INVITATION_STATUS[item.status] ?? item.status),
            h('td', null, item.applicant_name ?? ''),
            h('td', { class: 'write-in' }, '')))))),
        h('p', { class: 'muted small' }, `共 ${items.length} 个。`));
    };
    load();
  }
}
