// 办理记录: an application's history (GET /applications/{id}/history) as
// a list, oldest first — 提交, 退回修改 with the reason, 重新提交, 推荐 with
// the opinion, 撤回推荐 with the reason, 不予推荐, the later stages — each
// with who acted and when. One section, shown by the applicant's page, the
// recommender's review and the admin's detail alike.
import { h, replace } from './dom.js';
import { listAll } from './api.js';
import { formatDateTime, roleName } from './format.js';
import { loadingBlock, errorBlock } from './states.js';

const MAX_PAGES = 5;        // 1,000 moves: far more than any application makes

const RESULT = { pass: '通过', fail: '未通过' };

// A submission after the first is a resubmission (after 退回修改).
function actionName(item, earlierSubmits) {
  if (item.action === 'application.submitted' && earlierSubmits > 0) return '重新提交';
  const name = item.action_label ?? item.action;
  return item.result && RESULT[item.result] ? `${name}${RESULT[item.result]}` : name;
}

function who(item) {
  const role = item.actor_role === 'admin' ? '中国科协' : roleName(item.actor_role);
  return item.actor_name ? `${role}：${item.actor_name}` : role;
}

// The text a move carried, with what it is.
function said(item) {
  if (item.opinion) return ['推荐意见', item.opinion];
  if (item.reason) return ['原因', item.reason];
  if (item.comments) return ['意见', item.comments];
  return null;
}

function entry(item, earlierSubmits) {
  const text = said(item);
  return h('li', { class: 'history-item', dataset: { action: item.action } },
    h('p', { class: 'history-head' },
      h('strong', { class: 'history-action' }, actionName(item, earlierSubmits)),
      h('span', { class: 'history-who' }, who(item)),
      h('time', { class: 'history-at', datetime: item.at }, formatDateTime(item.at))),
    text && h('p', { class: 'history-text' }, h('span', { class: 'muted' }, `${text[0]}：`), text[1]));
}

// → the 办理记录 section of application `id`, filled as its history loads.
export function historySection(id, { signal }) {
  const body = h('div', { class: 'history-body' }, loadingBlock('正在加载办理记录…'));
  const section = h('section', { class: 'app-section history', id: 'app-history', 'aria-labelledby': 'app-history-title' },
    h('h2', { id: 'app-history-title', class: 'app-section-title' }, '办理记录'), body);

  async function load() {
    replace(body, loadingBlock('正在加载办理记录…'));
    let items;
    try {
      items = await listAll(`/applications/${encodeURIComponent(id)}/history`, {}, { signal, limit: 200, maxPages: MAX_PAGES });
    } catch (err) {
      if (signal.aborted) return;
      replace(body, errorBlock(err, { title: '办理记录加载失败', onRetry: load }));
      return;
    }
    if (signal.aborted) return;
    if (!items.length) {
      replace(body, h('p', { class: 'muted' }, '尚无办理记录：申报提交后，每一步审核都会记在这里。'));
      return;
    }
    let submits = 0;
    replace(body, h('ol', { class: 'history-list' }, items.map((item) => {
      const li = entry(item, submits);
      if (item.action === 'application.submitted') submits++;
      return li;
    })));
  }
  load();
  return section;
}
