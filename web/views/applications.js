// 我的申报 (applicant): the unit's applications, newest first, one card
// each with its status and what to do next; the card opens the 申报表.
import { h, replace } from '../dom.js';
import { listAll } from '../api.js';
import { loadingBlock, errorBlock } from '../states.js';
import { applicationCard, batchTitles } from '../appform.js';
import { myBasesSection } from '../my-bases.js';

export const title = '我的申报';

// GET /applications (all pages) with the batch titles. → { apps, titles }
export async function loadMyApplications(signal) {
  const apps = await listAll('/applications', {}, { signal, limit: 50, maxPages: 10 });
  const titles = await batchTitles(apps, { signal });
  return { apps, titles };
}

export function render(root, { signal, user }) {
  const body = h('div', null, loadingBlock());
  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, '我的申报'),
        h('p', { class: 'muted' }, `${user.display_name || user.username}的申报。草稿和退回修改的申报可以修改，提交后由推荐单位审核。`)),
      myBasesSection(signal),
      body));

  async function load() {
    replace(body, loadingBlock());
    let data;
    try {
      data = await loadMyApplications(signal);
    } catch (err) {
      if (signal.aborted) return;
      replace(body, errorBlock(err, { title: '申报加载失败', onRetry: load }));
      return;
    }
    if (signal.aborted) return;
    if (!data.apps.length) {
      replace(body, h('div', { class: 'empty' },
        h('p', { class: 'empty-title' }, '暂无申报'),
        h('p', { class: 'muted' }, '凭推荐单位发放的申报邀请码注册后，会在这里看到本单位的申报。')));
      return;
    }
    replace(body, h('div', { class: 'app-cards' },
      data.apps.map((a) => applicationCard(a, data.titles.get(a.batch_id)))));
  }
  load();
}
