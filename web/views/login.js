// 登录: username and password → POST /session, then on to `next` (a path
// of ours) or the workbench; to /password first when the account must
// change its password.
import { h, replace } from '../dom.js';
import { ApiError } from '../api.js';
import * as session from '../session.js';
import { field, submitButton, formMessage } from '../forms.js';
import { errorText } from '../states.js';

export const title = '登录';

// Only a path of this site: "/x..." but not "//host" or "/\host".
export function safeNext(raw) {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.includes('\\')) return '/home';
  if (/^\/login(?:[?#]|$)/.test(raw)) return '/home';
  return raw;
}

function loginErrorText(err) {
  if (err instanceof ApiError) {
    if (err.code === 'invalid_credentials' || err.status === 401) return '用户名或密码错误';
    if (err.status === 429) {
      return err.retryAfter != null
        ? `尝试次数过多，请在 ${err.retryAfter} 秒后再试`
        : '尝试次数过多，请稍后再试';
    }
  }
  return `登录失败：${errorText(err)}`;
}

export function render(root, { navigate, signal }) {
  const next = safeNext(new URLSearchParams(location.search).get('next'));
  const username = field({
    id: 'login-username',
    label: '用户名',
    attrs: { type: 'text', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: 64 },
  });
  const password = field({
    id: 'login-password',
    label: '密码',
    attrs: { type: 'password', autocomplete: 'current-password', required: true, maxlength: 128 },
  });
  const message = formMessage('login-message');
  const submit = submitButton('登录', '正在登录…');
  submit.classList.add('button-block');

  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'login-title' },
    username.wrap, password.wrap, message, submit);

  replace(root,
    h('section', { class: 'auth-page' },
      h('div', { class: 'auth-card' },
        h('h1', { id: 'login-title' }, '登录'),
        h('p', { class: 'muted' }, '中国科协、推荐单位、申报单位和评审专家使用本平台账号登录。'),
        form,
        h('p', { class: 'auth-forgot' },
          h('a', { href: '/forgot-password', dataset: { link: '' } }, '忘记密码？')),
        h('p', { class: 'auth-foot muted' },
          '申报单位请使用推荐单位发放的申报邀请码',
          h('a', { href: '/register', dataset: { link: '' } }, '注册账号'),
          '。账号没有登记邮箱的，忘记密码请联系推荐单位或中国科协。'))));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.show(null);
    const name = username.value().trim();
    const pass = password.value();
    let first = null;
    if (!name) { username.setError('请输入用户名'); first ??= username.input; }
    if (!pass) { password.setError('请输入密码'); first ??= password.input; }
    if (first) { first.focus(); return; }

    submit.busy(true);
    form.setAttribute('aria-busy', 'true');
    let user;
    try {
      user = await session.login(name, pass);
    } catch (err) {
      if (signal.aborted) return;
      submit.busy(false);
      form.removeAttribute('aria-busy');
      message.show(loginErrorText(err));
      password.input.value = '';
      password.input.focus();
      return;
    }
    if (signal.aborted) return;
    navigate(user.must_change_password ? '/password' : next, { replace: true });
  });
}
