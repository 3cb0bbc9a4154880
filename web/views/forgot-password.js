// 找回密码: a username or mail address → POST /password-reset, which
// answers alike whether an account exists or not; so does this page.
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { field, submitButton, formMessage } from '../forms.js';
import { errorText } from '../states.js';

export const title = '找回密码';

const SENT_TEXT = '若该账号存在并登记了邮箱，我们已发送重置链接，30 分钟内有效。';

function requestErrorText(err) {
  if (err instanceof ApiError && err.status === 429) {
    return err.retryAfter != null
      ? `请求过于频繁，请在 ${Math.ceil(err.retryAfter / 60)} 分钟后再试`
      : '请求过于频繁，请稍后再试';
  }
  return `发送失败：${errorText(err)}`;
}

export function render(root, { signal }) {
  const login = field({
    id: 'forgot-login',
    label: '用户名或邮箱',
    attrs: { type: 'text', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: 254 },
  });
  const message = formMessage('forgot-message');
  const submit = submitButton('发送重置链接', '正在发送…');
  submit.classList.add('button-block');
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'forgot-title' },
    login.wrap, message, submit);

  replace(root,
    h('section', { class: 'auth-page' },
      h('div', { class: 'auth-card' },
        h('h1', { id: 'forgot-title' }, '找回密码'),
        h('p', { class: 'muted' }, '输入您的用户名或账号登记的邮箱，我们会向登记的邮箱发送重置密码的链接。'),
        form,
        h('p', { class: 'auth-foot muted' },
          h('a', { href: '/login', dataset: { link: '' } }, '返回登录'),
          '。账号没有登记邮箱的，请联系推荐单位或中国科协重置密码。'))));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.show(null);
    const value = login.value().trim();
    if (!value) { login.setError('请输入用户名或邮箱'); login.input.focus(); return; }

    submit.busy(true);
    try {
      await api('POST', '/password-reset', { login: value }, { signal });
    } catch (err) {
      if (signal.aborted) return;
      submit.busy(false);
      message.show(requestErrorText(err));
      submit.focus();
      return;
    }
    if (signal.aborted) return;
    submit.busy(false);
    message.show(SENT_TEXT, 'ok');
  });
}
