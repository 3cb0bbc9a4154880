// 评审任务 (expert): the applications the programme office assigned to it,
// with each one's status and, once submitted, its weighted total. The
// same list heads the expert's 工作台.
import { h, replace } from '../dom.js';
import { loadingBlock, errorBlock } from '../states.js';
import { loadAssignments, assignmentTable, assignmentCounts } from '../scoring.js';

export const title = '评审任务';

// The list in a section with heading `tag`; loads itself.
export function assignmentsSection(signal, { tag = 'h2', heading = '评审任务' } = {}) {
  const body = h('div', null, loadingBlock());
  const box = h('section', { class: 'section-tight', 'aria-labelledby': 'assignments-title' },
    h(tag, { id: 'assignments-title' }, heading), body);
  const load = async () => {
    replace(body, loadingBlock());
    let items;
    try {
      items = await loadAssignments(signal);
    } catch (err) {
      if (signal.aborted) return;
      replace(body, errorBlock(err, { title: '评审任务加载失败', onRetry: load }));
      return;
    }
    if (signal.aborted) return;
    replace(body, items.length
      ? [h('p', { class: 'muted', id: 'assignment-counts' }, assignmentCounts(items)), assignmentTable(items)]
      : h('p', { class: 'muted' }, '暂无评审任务。中国科协分配评审任务后会通知您。'));
  };
  load();
  return box;
}

export function render(root, { signal }) {
  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, '评审任务'),
        h('p', { class: 'muted' }, '按评分标准逐项打分（0–100 分的整数），可以先保存草稿；提交后评分不能修改。与申报单位有利益关系的，请申请回避。')),
      assignmentsSection(signal, { heading: '全部任务' })));
}
