// 我的基地 on an applicant's workbench and application list: the unit's
// bases (GET /bases answers an applicant with its own), each with its
// status and reason, the certificate PDF and the public check. Nothing is
// shown while the unit has none.
import { h, replace } from './dom.js';
import { listAll } from './api.js';
import { errorBlock } from './states.js';
import { facts } from './widgets.js';
import { categoryName } from './appform.js';
import { baseBadge, termText, certificatePdf, verifyPath } from './publicity.js';

function baseCard(b, tag) {
  return h('article', { class: 'card app-card base-card', dataset: { id: String(b.id) }, 'aria-labelledby': `base-${b.id}-title` },
    h(tag, { class: 'card-title title-with-badge', id: `base-${b.id}-title` }, h('span', null, b.name), baseBadge(b.status)),
    facts([
      ['证书编号', b.certificate_no],
      ['单位', b.unit_name],
      ['类别', categoryName(b.category)],
      ['届期', termText(b)],
      ['命名日期', b.named_on],
      ['原因', b.status !== 'valid' ? b.status_reason : null],
    ], 'facts-compact'),
    h('p', { class: 'row-actions' },
      h('a', { class: 'button', href: `/my/bases/${b.id}`, dataset: { link: '' }, 'aria-label': `基地页面与年度报告：${b.name}` }, '年度报告'),
      h('a', { class: 'button button-secondary', href: certificatePdf(b.id), download: `${b.certificate_no}.pdf`, 'aria-label': `下载证书（PDF）：${b.name}` }, '下载证书（PDF）'),
      h('a', { class: 'button button-secondary', href: verifyPath(b.certificate_no), dataset: { link: '' }, 'aria-label': `核验证书：${b.certificate_no}` }, '证书核验页面')));
}

// → a <section>, empty until the bases are loaded; hidden when there are none.
export function myBasesSection(signal, { tag = 'h3' } = {}) {
  const body = h('div');
  const box = h('section', { class: 'section-tight my-bases', 'aria-labelledby': 'my-bases-title', hidden: true },
    h('h2', { id: 'my-bases-title' }, '我的基地'), body);
  const load = async () => {
    let bases;
    try {
      bases = await listAll('/bases', {}, { signal, limit: 50, maxPages: 4 });
    } catch (err) {
      if (signal.aborted) return;
      box.hidden = false;
      replace(body, errorBlock(err, { title: '基地加载失败', onRetry: load }));
      return;
    }
    if (signal.aborted) return;
    box.hidden = bases.length === 0;
    replace(body, h('div', { class: 'app-cards' }, bases.map((b) => baseCard(b, tag))));
  };
  load();
  return box;
}
