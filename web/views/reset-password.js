// 设置新密码: the page a reset mail links to, /reset-password#<token>.  The
// token travels in the fragment, which the browser sends to nobody; the
// page takes it out of the address bar at once (not into the history), and
// sends it only in POST /password-reset/{token}.
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import * as session from '../session.js';
import { field, submitButton, formMessage, showApiErrors } from '../forms.js';
import { MIN, MAX, NEW_PASSWORD_HINT, checkNewPassword } from './password.js';

export const title = '设置新密码';

const TOKEN = /^#([A-Za-z0-9_-]{43})$/;
let token = null;             // taken from the fragment; kept while the tab lives

function card(...children) {
  return h('section', { class: 'auth-page' },
    h('div', { class: 'auth-card auth-card-wide' }, h('h1', { id: 'reset-title' }, '设置新密码'), ...children));
}

function deadLink(root, text) {
  replace(root, card(
    h('p', { class: 'form-message', role: 'alert' }, text),
    h('p', { class: 'auth-foot' },
      h('a', { href: '/forgot-password', dataset: { link: '' } }, '重新申请重置密码'), '　',
      h('a', { href: '/login', dataset: { link: '' } }, '返回登录'))));
}

export function render(root, { signal }) {
  const found = TOKEN.exec(location.hash);
  if (found) {
    token = found[1];
    history.replaceState(null, '', location.pathname);
  }
  if (!token) {
    deadLink(root, '链接不完整。请打开重置密码邮件中的完整链接，或重新申请。');
    return;
  }

  const next = field({
    id: 'reset-new',
    label: '新密码',
    hint: NEW_PASSWORD_HINT,
    attrs: { type: 'password', autocomplete: 'new-password', required: true, minlength: MIN, maxlength: MAX },
  });
  const confirm = field({
    id: 'reset-confirm',
    label: '确认新密码',
    attrs: { type: 'password', autocomplete: 'new-password', required: true, maxlength: MAX },
  });
  const message = formMessage('reset-message');
  const submit = submitButton('设置新密码', '正在保存…');
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'reset-title' },
    next.wrap, confirm.wrap, message, h('div', { class: 'form-actions' }, submit));

  replace(root, card(
    h('p', { class: 'muted' }, '设置后，该账号在所有设备上的登录都将失效，请用新密码重新登录。链接只能使用一次，30 分钟内有效。'),
    form));

  const check = () => {
    let first = null;
    const fail = (f, text) => { f.setError(text); first ??= f.input; };
    checkNewPassword(next, confirm, fail);
    return first;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.show(null);
    const first = check();
    if (first) { first.focus(); return; }
    submit.busy(true);
    try {
      await api('POST', `/password-reset/${token}`, { new_password: next.value() }, { signal });
    } catch (err) {
      if (signal.aborted) return;
      submit.busy(false);
      if (err instanceof ApiError && err.status === 404) {
        token = null;
        deadLink(root, '链接无效或已过期（链接只能使用一次，30 分钟内有效）。请重新申请重置密码。');
        return;
      }
      showApiErrors(err, { new_password: next }, message, { title: '设置失败', fallbackFocus: submit });
      return;
    }
    if (signal.aborted) return;
    token = null;
    session.forget();           // every session of the account has ended
    replace(root, card(
      h('p', { class: 'form-message form-message-ok', role: 'status' }, '新密码已设置。该账号原有的登录均已失效。'),
      h('p', null, h('a', { class: 'button', href: '/login', dataset: { link: '' } }, '用新密码登录'))));
  });
}
