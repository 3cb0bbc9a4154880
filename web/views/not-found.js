// Any path the router does not know.
import { h, replace } from '../dom.js';

export const title = '页面不存在';

export function render(root, { params }) {
  replace(root,
    h('section', { class: 'not-found', 'aria-labelledby': 'nf-title' },
      h('p', { class: 'eyebrow' }, '404'),
      h('h1', { id: 'nf-title' }, '页面不存在'),
      h('p', null, '您访问的页面不存在，可能是链接有误或页面已被移除。'),
      h('p', { class: 'muted' }, '请求的地址：', h('code', null, params.path)),
      h('p', null, h('a', { href: '/', class: 'button', dataset: { link: '' } }, '返回首页'))));
}
