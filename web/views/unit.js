// 单位信息 (applicant): the unit's registration data, read again, and
// changed while one of its applications is in draft or returned
// (web/unit-profile.js).
import { h, replace } from '../dom.js';
import { unitPanel } from '../unit-profile.js';

export const title = '单位信息';

export function render(root, { signal, user }) {
  replace(root,
    h('section', { class: 'page page-unit' },
      h('div', { class: 'page-head' },
        h('h1', null, '单位信息'),
        h('p', { class: 'muted' }, '注册时填写的本单位信息。推荐单位审核申报时会看到这些信息。')),
      unitPanel(user.org_id, { signal, title: '登记信息', own: true })));
}
