// Modal dialogs on the native <dialog>: the browser traps focus inside,
// closes on Escape and makes the page behind inert. Focus returns to where
// it was when the dialog closes. Every dialog is removed from the page when
// it closes; closeDialogs() closes whatever is open (on navigation).
import { h } from './dom.js';
import { radioField } from './forms.js';

let serial = 0;

// Opens a dialog with a heading, a body and a row of buttons.
// → { dialog, closed: Promise<returnValue> }. A button's `value` becomes
// the returnValue; Escape gives ''.
function open({ title, body, buttons, className = '', focus }) {
  serial += 1;
  const titleId = `dialog-${serial}-title`;
  const bodyId = `dialog-${serial}-body`;
  const dialog = h('dialog', {
    class: `dialog ${className}`.trim(), 'aria-labelledby': titleId, 'aria-describedby': bodyId,
  },
  h('h2', { class: 'dialog-title', id: titleId }, title),
  h('div', { class: 'dialog-body', id: bodyId }, body),
  h('div', { class: 'dialog-actions' }, buttons));
  const previous = document.activeElement;
  for (const button of buttons) {
    if (button.dataset.keepOpen != null) continue; // the caller closes it
    button.addEventListener('click', () => dialog.close(button.value ?? ''));
  }
  const closed = new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const value = dialog.returnValue;
      dialog.remove();
      if (previous instanceof HTMLElement && previous.isConnected) previous.focus();
      resolve(value);
    });
  });
  document.body.append(dialog);
  dialog.showModal();
  (focus ?? buttons[0])?.focus();
  return { dialog, closed };
}

// Asks before an action. `body`: text or nodes; `danger` colours the
// confirm button red. Focus starts on 取消 for dangerous actions, so Enter
// alone never does them. → true when confirmed.
export async function confirmDialog({ title, body, confirmText = '确定', cancelText = '取消', danger = false }) {
  const ok = h('button', { type: 'button', class: danger ? 'button button-danger' : 'button', value: 'ok' }, confirmText);
  const cancel = h('button', { type: 'button', class: 'button button-secondary', value: 'cancel' }, cancelText);
  const { closed } = open({
    title,
    body: typeof body === 'string' ? h('p', null, body) : body,
    buttons: [ok, cancel],
    focus: danger ? cancel : ok,
  });
  return (await closed) === 'ok';
}

// Asks for a text (a reason, an opinion) and acts on it while the dialog
// stays open: `onSubmit(text, choice)` runs when 确定 is pressed with a
// valid text; when it throws, its message shows in the dialog (a field
// error of `field` beside the box) and the user may correct it or cancel.
// Escape and 取消 do nothing while it runs. → the text when done, or null.
// With `choice` ({ legend, choices: { value: label }, value }) a group
// of radio buttons comes first, one of which must be chosen; `value`
// fills the box to begin with.
export async function textDialog({
  title, intro, label, hint, required = true, maxLength = 1000, field = 'reason',
  confirmText = '确定', cancelText = '取消', danger = false, onSubmit, id = 'text-dialog', choice, value = '',
}) {
  const inputId = `${id}-input`;
  const errorEl = h('p', { class: 'field-error', id: `${inputId}-error`, 'aria-live': 'polite' });
  const counter = h('p', { class: 'counter', id: `${inputId}-count` });
  const input = h('textarea', {
    id: inputId, class: 'input', rows: '5', required,
    'aria-describedby': [hint && `${inputId}-hint`, `${inputId}-count`, `${inputId}-error`].filter(Boolean).join(' '),
  });
  const wrap = h('div', { class: 'field' },
    h('label', { for: inputId, class: 'field-label' }, label, required && h('span', { class: 'required-mark' }, '（必填）')),
    input,
    h('div', { class: 'field-foot' }, errorEl, counter),
    hint && h('p', { class: 'field-hint', id: `${inputId}-hint` }, hint));
  const message = h('div', { class: 'form-message', role: 'alert' });
  const group = choice && radioField({ id: `${id}-choice`, legend: choice.legend, choices: choice.choices, selected: choice.value });
  const chosen = () => group?.value() || null;
  const setError = (text) => {
    errorEl.textContent = text ?? '';
    wrap.classList.toggle('field-invalid', Boolean(text));
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  const count = () => {
    const n = [...input.value].length;
    counter.textContent = `${n} / ${maxLength} 字`;
    counter.classList.toggle('counter-over', n > maxLength);
  };
  input.value = value;
  count();
  input.addEventListener('input', () => { setError(null); count(); });

  const ok = h('button', { type: 'button', class: danger ? 'button button-danger' : 'button', dataset: { keepOpen: '' } }, confirmText);
  const cancel = h('button', { type: 'button', class: 'button button-secondary', value: 'cancel' }, cancelText);
  const { dialog, closed } = open({
    title,
    body: h('div', null, intro && (typeof intro === 'string' ? h('p', null, intro) : intro), group?.wrap, wrap, message),
    buttons: [ok, cancel],
    className: 'dialog-text',
    focus: group ? group.focusTarget() : input,
  });
  let busy = false;
  let result = null;
  dialog.addEventListener('cancel', (event) => { if (busy) event.preventDefault(); });
  ok.addEventListener('click', async () => {
    if (busy) return;
    message.className = 'form-message';
    message.textContent = '';
    const text = input.value.trim();
    const n = [...text].length;
    if (group && !chosen()) { group.setError(`请选择${choice.legend}`); group.input.focus(); return; }
    if (required && !text) { setError(`请填写${label}`); input.focus(); return; }
    if (n > maxLength) { setError(`${label}不能超过 ${maxLength} 字（现有 ${n} 字）`); input.focus(); return; }
    busy = true;
    ok.disabled = true;
    cancel.disabled = true;
    ok.setAttribute('aria-busy', 'true');
    const label0 = ok.textContent;
    ok.textContent = '正在提交…';
    try {
      await onSubmit(text, chosen());
      result = text;
      busy = false;
      dialog.close('ok');
    } catch (err) {
      busy = false;
      ok.disabled = false;
      cancel.disabled = false;
      ok.removeAttribute('aria-busy');
      ok.textContent = label0;
      const mine = (err?.errors ?? []).filter((e) => e?.field === field).map((e) => e.message);
      if (mine.length) {
        setError(mine.join('；'));
        input.focus();
      } else {
        message.className = 'form-message form-message-error';
        message.textContent = err?.message || '操作失败，请稍后再试';
        cancel.focus();
      }
    }
  });
  await closed;
  return result;
}

// Puts `text` on the clipboard. Throws when the browser refuses.
export async function copyText(text) {
  if (!navigator.clipboard?.writeText) throw new Error('clipboard unavailable');
  await navigator.clipboard.writeText(text);
}

// A 复制 button for `text`; says 已复制 (or how to copy by hand) in
// `status`, a live region, and selects `selectable` when copying fails.
// `name` completes the button's accessible name ("复制 邀请码 ABCD…").
export function copyButton(text, { status, selectable, name, small = true } = {}) {
  const button = h('button', {
    type: 'button', class: `button button-secondary${small ? ' button-small' : ''}`,
    'aria-label': name ? `复制${name}` : null,
  }, '复制');
  button.addEventListener('click', async () => {
    try {
      await copyText(text);
      if (status) status.textContent = '已复制到剪贴板';
      button.textContent = '已复制';
      setTimeout(() => { if (button.isConnected) button.textContent = '复制'; }, 2000);
    } catch {
      if (selectable) window.getSelection()?.selectAllChildren(selectable);
      if (status) status.textContent = '浏览器不允许自动复制，已选中内容，请按 Ctrl+C（Mac 上按 ⌘C）复制。';
    }
  });
  return button;
}

// Shows a secret once (an initial password): who it is for, the secret
// with a 复制 button, and the warning that it will not be shown again.
// `rows`: [[label, value]] shown above the secret. Resolves when closed.
export async function secretDialog({ title, intro, rows = [], secretLabel = '初始密码', secret, warning }) {
  const value = h('code', { class: 'secret-value' }, secret);
  const status = h('p', { class: 'copy-status', role: 'status' });
  const copy = copyButton(secret, { status, selectable: value, name: secretLabel, small: false });
  const body = h('div', null,
    intro && h('p', null, intro),
    h('dl', { class: 'facts facts-compact' },
      rows.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))),
      h('div', { class: 'secret-row' },
        h('dt', null, secretLabel),
        h('dd', null, value, copy))),
    status,
    h('div', { class: 'callout callout-warn' },
      h('p', { class: 'callout-title' }, '只显示这一次'),
      h('p', null, warning)));
  const done = h('button', { type: 'button', class: 'button', value: 'done' }, '我已记下，关闭');
  // Focus on 复制, not on 关闭: an Enter pressed by habit must not lose the secret.
  const { closed } = open({ title, body, buttons: [done], className: 'dialog-secret', focus: copy });
  await closed;
}

// Closes every open dialog (the page behind is going away).
export function closeDialogs() {
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close('');
}

// A dialog that only shows something (a record's details): one 关闭 button.
export function viewDialog({ title, body, className }) {
  const close = h('button', { type: 'button', class: 'button button-secondary', value: 'close' }, '关闭');
  return open({ title, body, buttons: [close], className }).closed;
}
