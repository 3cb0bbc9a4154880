// 新建批次 (admin): POST /batches, then on to the new batch's page. The
// batch starts as 草稿; the API's field errors show beside their fields.
import { h, replace } from '../dom.js';
import { api } from '../api.js';
import { submitButton, formMessage, onSubmit } from '../forms.js';
import { batchFields } from '../batch-form.js';

export const title = '新建批次';

export function render(root, { signal, navigate }) {
  const { fields, nodes, read } = batchFields(null, 'batch-new');
  const message = formMessage('batch-new-message');
  const submit = submitButton('创建批次', '正在创建…');
  const form = h('form', { class: 'form form-wide', novalidate: true, 'aria-labelledby': 'batch-new-heading' },
    nodes, message,
    h('div', { class: 'form-actions' }, submit,
      h('a', { class: 'button button-secondary', href: '/batches', dataset: { link: '' } }, '取消')));

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('p', { class: 'breadcrumb' }, h('a', { href: '/batches', dataset: { link: '' } }, '批次管理'), ' / 新建'),
        h('h1', { id: 'batch-new-heading' }, '新建批次'),
        h('p', { class: 'muted' }, '新批次为“草稿”状态；下达名额、准备就绪后，在批次页面将其推进到“申报中”。')),
      form));

  onSubmit(form, {
    signal, message, submit, fields, title: '创建失败', read,
    send: (values) => api('POST', '/batches', values, { signal }),
    done: (batch) => navigate(`/batches/${batch.id}`, { flash: { text: `已创建批次“${batch.title}”（草稿）。` } }),
  });
}
