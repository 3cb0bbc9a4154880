// 新建推荐单位 (admin): name, kind, region (省级科协 only) and the login
// name → POST /recommenders; the answer's initial password is shown once in
// a dialog with 复制, then back to the list.
import { h, replace } from '../dom.js';
import { api } from '../api.js';
import { RECOMMENDER_KINDS } from '../format.js';
import { field, submitButton, formMessage, onSubmit } from '../forms.js';
import { secretDialog } from '../dialog.js';
import { fillRegionSelect } from '../regions.js';

export const title = '新建推荐单位';

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{2,31}$/;

// A radio group with a legend and one inline error, like field().
function radioGroup({ id, legend, options }) {
  const errorEl = h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
  const radios = options.map((o, i) => h('input', {
    type: 'radio', name: id, id: `${id}-${i}`, value: o.value, 'aria-describedby': `${id}-error`,
  }));
  const wrap = h('fieldset', { class: 'fieldset field radio-group', id },
    h('legend', { class: 'field-label' }, legend),
    options.map((o, i) => h('div', { class: 'radio' },
      radios[i], h('label', { for: `${id}-${i}` }, o.label))),
    errorEl);
  const setError = (text) => {
    replace(errorEl, text ?? '');
    wrap.classList.toggle('field-invalid', Boolean(text));
    for (const r of radios) {
      if (text) r.setAttribute('aria-invalid', 'true'); else r.removeAttribute('aria-invalid');
    }
  };
  for (const r of radios) r.addEventListener('change', () => setError(null));
  return { wrap, input: radios[0], radios, setError, value: () => radios.find((r) => r.checked)?.value ?? '' };
}

export function render(root, { signal, navigate }) {
  const name = field({
    id: 'rec-new-name', label: '推荐单位名称', hint: '单位全称，如 北京市科学技术协会。',
    attrs: { type: 'text', required: true, maxlength: 100, autocomplete: 'organization' },
  });
  const kind = radioGroup({
    id: 'rec-new-kind', legend: '类别',
    options: Object.entries(RECOMMENDER_KINDS).map(([value, text]) => ({
      value, label: value === 'provincial_cast' ? '省级科协（含新疆生产建设兵团科协）' : value === 'national_society' ? '全国学会（协会、研究会）' : text,
    })),
  });
  const region = field({
    id: 'rec-new-region', label: '所在地区', hint: '省级科协在本地区内推荐。',
    options: [{ value: '', label: '请选择' }],
  });
  const username = field({
    id: 'rec-new-username', label: '登录用户名',
    hint: '3–32 个字符，以字母或数字开头，可含 _ . @ -；如 bjkx。',
    attrs: { type: 'text', required: true, maxlength: 32, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' },
  });
  const fields = { name, kind, region, username };
  const message = formMessage('rec-new-message');
  const submit = submitButton('创建推荐单位', '正在创建…');
  const form = h('form', { class: 'form form-narrow', novalidate: true, 'aria-labelledby': 'rec-new-title' },
    name.wrap, kind.wrap, region.wrap, username.wrap, message,
    h('div', { class: 'form-actions' }, submit,
      h('a', { class: 'button button-secondary', href: '/recommenders', dataset: { link: '' } }, '取消')));

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('p', { class: 'breadcrumb' }, h('a', { href: '/recommenders', dataset: { link: '' } }, '推荐单位'), ' / 新建'),
        h('h1', { id: 'rec-new-title' }, '新建推荐单位'),
        h('p', { class: 'muted' }, '同时开通该单位的管理账号。创建后会显示一次初始密码，请复制后通过安全渠道交给推荐单位；对方首次登录时须修改密码。')),
      form));

  const showRegion = () => { region.wrap.hidden = kind.value() !== 'provincial_cast'; };
  for (const r of kind.radios) r.addEventListener('change', showRegion);
  showRegion();
  fillRegionSelect(region.input).catch(() => region.setError('地区列表加载失败，请刷新页面重试'));

  onSubmit(form, {
    signal, message, submit, fields, title: '创建失败',
    read: () => {
      let firstBad = null;
      const fail = (f, text) => { f.setError(text); firstBad ??= f.input; };
      const body = { name: name.value().trim(), kind: kind.value(), username: username.value().trim() };
      if (!body.name) fail(name, '请填写推荐单位名称');
      if (!body.kind) fail(kind, '请选择类别');
      if (body.kind === 'provincial_cast') {
        body.region = region.value();
        if (!body.region) fail(region, '省级科协须选择所在地区');
      }
      if (!body.username) fail(username, '请填写登录用户名');
      else if (!USERNAME.test(body.username)) fail(username, '用户名为 3–32 个字符，以字母或数字开头，只能包含字母、数字和 _ . @ -');
      return { values: body, firstBad };
    },
    send: (body) => api('POST', '/recommenders', body, { signal }),
    done: async (answer) => {
      const rec = answer.recommender;
      await secretDialog({
        title: '初始密码（仅显示一次）',
        intro: `已创建推荐单位“${rec.name}”及其管理账号。`,
        rows: [['推荐单位', rec.name], ['用户名', rec.username]],
        secret: answer.initial_password,
        warning: '关闭此窗口后，这个初始密码将无法再次查看；如遗失，只能在推荐单位列表中重置密码。对方首次登录时须修改密码。',
      });
      if (signal.aborted) return;
      navigate('/recommenders', { flash: { text: `已创建推荐单位“${rec.name}”（用户名 ${rec.username}）。` } });
    },
  });
}
