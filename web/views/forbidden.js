// A signed-in page this role may not see.
import { h, replace } from '../dom.js';
import { roleName } from '../format.js';

export const title = '无权访问';

export function render(root, { user }) {
  replace(root,
    h('section', { class: 'not-found', 'aria-labelledby': 'forbidden-title' },
      h('p', { class: 'eyebrow' }, '403'),
      h('h1', { id: 'forbidden-title' }, '无权访问'),
      h('p', null, `您的账号（${roleName(user?.role)}）无权访问此页面。如需访问，请联系中国科协管理员。`),
      h('p', null, h('a', { href: '/home', class: 'button', dataset: { link: '' } }, '返回工作台'))));
}
