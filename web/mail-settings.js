// 邮件通知 on the account page: the address the platform mails and whether
// the user wants mail that is not essential (notifications, deadline
// reminders; a password reset is sent whatever the choice) →
// PUT /session/mail, which answers the session (session.js takes it).
// The address is where a reset link goes: changing it asks for the current
// password (the field appears once the address differs from the saved one).
import { h } from './dom.js';
import * as session from './session.js';
import { field, formMessage, onSubmit, submitButton } from './forms.js';

// A quick look before the server's own check (lib/domain/validate.c).
const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;

export function mailSettings({ signal, user }) {
  const email = field({
    id: 'mail-email',
    label: '电子邮箱',
    hint: '平台的通知、截止提醒和找回密码邮件发往此地址；留空则不发邮件。',
    attrs: { type: 'email', autocomplete: 'email', maxlength: 254, value: user.email ?? '' },
  });
  let saved = user.email ?? '';
  const password = field({
    id: 'mail-password',
    label: '登录密码（验证身份）',
    hint: '找回密码的链接发往此邮箱，修改邮箱需要输入您的当前登录密码。',
    attrs: { type: 'password', autocomplete: 'current-password', maxlength: 1024 },
  });
  const changed = () => email.value().trim() !== saved;
  const showPassword = () => { password.wrap.hidden = !changed(); };
  showPassword();
  email.input.addEventListener('input', showPassword, { signal });
  const box = h('input', { type: 'checkbox', id: 'mail-wanted', checked: !user.mail_opt_out });
  const wanted = h('label', { class: 'radio', for: 'mail-wanted' }, box, '接收非必要邮件（通知、截止提醒）');
  const message = formMessage('mail-message');
  const submit = submitButton('保存邮件设置', '正在保存…');
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'mail-title' },
    email.wrap, password.wrap,
    h('div', { class: 'field' }, wanted,
      h('p', { class: 'field-hint' }, '不勾选时只发送必要邮件（如找回密码）。')),
    message, h('div', { class: 'form-actions' }, submit));

  onSubmit(form, {
    signal, message, submit, fields: { email, current_password: password }, title: '保存失败',
    read: () => {
      const address = email.value().trim();
      if (address && !LOOKS_LIKE_EMAIL.test(address)) {
        email.setError('请填写有效的电子邮箱，如 name@example.cn');
        return { firstBad: email.input };
      }
      if (!changed()) return { values: { mail_opt_out: !box.checked } };
      if (!password.value()) {
        password.setError('修改邮箱需要输入当前密码');
        return { firstBad: password.input };
      }
      return { values: { email: address || null, mail_opt_out: !box.checked, current_password: password.value() } };
    },
    send: (values) => session.setMail(values),
    done: (answer) => {
      submit.busy(false);
      saved = answer.email ?? '';
      email.input.value = saved;
      password.input.value = '';
      showPassword();
      box.checked = !answer.mail_opt_out;
      message.show(answer.email ? `已保存。邮件将发往 ${answer.email}。` : '已保存。未填写邮箱，平台不会给您发邮件。', 'ok');
    },
  });

  return h('section', { class: 'auth-card auth-card-wide', id: 'mail-settings' },
    h('h2', { id: 'mail-title' }, '邮件通知'), form);
}
