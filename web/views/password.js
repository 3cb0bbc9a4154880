// 修改密码: current, new and confirmed new password → PUT /session/password,
// which ends this session and answers a new one (session.js takes it).
// An account created with an initial password lands here first and can do
// nothing else (except sign out) until it has chosen its own.  Below, once
// the password is the user's own, the mail settings (web/mail-settings.js).
import { h, replace } from '../dom.js';
import { ApiError } from '../api.js';
import * as session from '../session.js';
import { field, submitButton, formMessage } from '../forms.js';
import { charCount } from '../format.js';
import { errorText } from '../states.js';
import { mailSettings } from '../mail-settings.js';

export const title = '修改密码';

export const MIN = 12;
export const MAX = 128;
// The rules of a new password, as lib/auth/pwcheck.c applies them.
export const NEW_PASSWORD_HINT = `${MIN}–${MAX} 个字符，不能是常见英文单词、连续或重复的数字和字母，也不能含用户名；建议用一句容易记住、别人难以猜到的话。`;

// The checks of a new password and its confirmation, the same here and on
// the reset page: `fail(field, text)` for each problem; `current` (may be
// undefined) is the password it must differ from.
export function checkNewPassword(next, confirm, fail, current) {
  const n = next.value();
  if (!n) fail(next, '请输入新密码');
  else if (charCount(n) < MIN) fail(next, `新密码至少 ${MIN} 个字符（现有 ${charCount(n)} 个）`);
  else if (charCount(n) > MAX) fail(next, `新密码最多 ${MAX} 个字符（现有 ${charCount(n)} 个）`);
  else if (current !== undefined && n === current) fail(next, '新密码不能与当前密码相同');
  if (!confirm.value()) fail(confirm, '请再次输入新密码');
  else if (n && confirm.value() !== n) fail(confirm, '两次输入的新密码不一致');
}

// Server field names → our inputs.
const SERVER_FIELDS = { current_password: 'current', new_password: 'next' };

export function render(root, { navigate, signal, user }) {
  const forced = Boolean(user?.must_change_password);
  const current = field({
    id: 'pw-current',
    label: forced ? '初始密码' : '当前密码',
    attrs: { type: 'password', autocomplete: 'current-password', required: true, maxlength: 256 },
  });
  const next = field({
    id: 'pw-new',
    label: '新密码',
    hint: NEW_PASSWORD_HINT,
    attrs: { type: 'password', autocomplete: 'new-password', required: true, minlength: MIN, maxlength: MAX },
  });
  const confirm = field({
    id: 'pw-confirm',
    label: '确认新密码',
    attrs: { type: 'password', autocomplete: 'new-password', required: true, maxlength: MAX },
  });
  const fields = { current, next, confirm };
  const message = formMessage('pw-message');
  const submit = submitButton('修改密码', '正在保存…');

  const logout = h('button', { type: 'button', class: 'button button-secondary' }, '退出登录');
  const actions = h('div', { class: 'form-actions' }, submit,
    forced ? logout : h('a', { class: 'button button-secondary', href: '/home', dataset: { link: '' } }, '取消'));

  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'pw-title' },
    current.wrap, next.wrap, confirm.wrap, message, actions);

  replace(root,
    h('section', { class: 'auth-page account-page' },
      h('div', { class: 'auth-card auth-card-wide' },
        h('h1', { id: 'pw-title' }, '修改密码'),
        forced
          ? h('div', { class: 'callout', id: 'pw-why' },
            h('p', { class: 'callout-title' }, '首次登录请先修改初始密码'),
            h('p', null, '为保障账号安全，管理员分配的初始密码只能使用一次。请设置您自己的新密码，修改完成后即可使用平台的其他功能。'))
          : h('p', { class: 'muted' }, '修改后，您在其他设备或浏览器上的登录将失效，当前登录保持有效。'),
        form),
      forced ? null : mailSettings({ signal, user })));
  if (forced) form.setAttribute('aria-describedby', 'pw-why');

  logout.addEventListener('click', async () => {
    logout.disabled = true;
    try {
      await session.logout();
      navigate('/login', { flash: { text: '您已退出登录。' } });
    } catch (err) {
      logout.disabled = false;
      message.show(`退出登录失败：${errorText(err)}`);
    }
  });

  // Client-side checks; → the first input in error, or null.
  const check = () => {
    let first = null;
    const fail = (f, text) => { f.setError(text); first ??= f.input; };
    if (!current.value()) fail(current, forced ? '请输入初始密码' : '请输入当前密码');
    checkNewPassword(next, confirm, fail, current.value());
    return first;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.show(null);
    const first = check();
    if (first) { first.focus(); return; }

    submit.busy(true);
    form.setAttribute('aria-busy', 'true');
    try {
      await session.changePassword(current.value(), next.value());
    } catch (err) {
      if (signal.aborted) return;
      submit.busy(false);
      form.removeAttribute('aria-busy');
      showServerErrors(err);
      return;
    }
    if (signal.aborted) return;
    navigate('/home', { flash: { text: '密码已修改。' } });
  });

  // 422: each errors[] entry beside its field; the rest in the message line.
  function showServerErrors(err) {
    let firstInput = null;
    const unplaced = [];
    if (err instanceof ApiError && err.status === 422 && err.errors.length) {
      for (const e of err.errors) {
        const f = fields[SERVER_FIELDS[e.field]];
        if (f) {
          f.setError(e.message || '内容有误');
          firstInput ??= f.input;
        } else {
          unplaced.push(e.message || e.field);
        }
      }
    }
    if (unplaced.length) message.show(unplaced.join('；'));
    else if (!firstInput) message.show(`修改失败：${errorText(err)}`);
    (firstInput ?? submit).focus();
  }
}
