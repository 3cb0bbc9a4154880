// Form fields with their label, hint and inline error, wired for screen
// readers: <label for>, aria-describedby to the hint and the error,
// aria-invalid while the error shows.
import { h, replace } from './dom.js';
import { ApiError } from './api.js';
import { errorText } from './states.js';

// → { wrap, input, setError(text|null), value() }
// attrs go to the <input> (type, autocomplete, required, inputmode...).
// With `options` ([{ value, label }]) the control is a <select>; with
// `multiline` a <textarea>. `hint` may be text or a node.
export function field({ id, label, hint, attrs = {}, options, multiline = false }) {
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null;
  const errorEl = h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
  const tag = options ? 'select' : multiline ? 'textarea' : 'input';
  const input = h(tag, {
    id,
    name: id,
    class: 'input',
    'aria-describedby': [hintEl && `${id}-hint`, `${id}-error`].filter(Boolean).join(' '),
    ...attrs,
  }, options?.map((o) => h('option', { value: o.value, selected: o.selected }, o.label)));
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, class: 'field-label' }, label),
    input, hintEl, errorEl);
  const setError = (text) => {
    replace(errorEl, text ?? '');
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    wrap.classList.toggle('field-invalid', Boolean(text));
  };
  input.addEventListener('input', () => setError(null));
  if (options) input.addEventListener('change', () => setError(null));
  return { wrap, input, setError, value: () => input.value };
}

// A group of radio buttons, used like a field(): → { wrap, input (the
// first button, for focus), setError(text|null), value() }.
// choices: { value: label }; `selected` is checked to begin with.
export function radioField({ id, legend, choices, selected, hint }) {
  const errorEl = h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
  const hintEl = hint && h('p', { class: 'field-hint', id: `${id}-hint` }, hint);
  const inputs = Object.keys(choices).map((value, i) => h('input', {
    type: 'radio', name: id, id: `${id}-${i}`, value, checked: value === selected,
  }));
  const wrap = h('fieldset', {
    class: 'fieldset-plain radio-group', 'aria-describedby': [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(' '),
  },
  h('legend', { class: 'field-label' }, legend),
  Object.values(choices).map((text, i) => h('label', { class: 'radio', for: `${id}-${i}` }, inputs[i], text)),
  hintEl, errorEl);
  const setError = (text) => {
    replace(errorEl, text ?? '');
    wrap.classList.toggle('field-invalid', Boolean(text));
  };
  for (const input of inputs) input.addEventListener('change', () => setError(null));
  const checked = () => inputs.find((r) => r.checked);
  // focusTarget(): where the keyboard enters the group (the checked button).
  return { wrap, input: inputs[0], setError, value: () => checked()?.value ?? '', focusTarget: () => checked() ?? inputs[0] };
}

// Shows an API failure on a form: each errors[] entry beside its field
// (`fields` maps the server's field path — 'unit.credit_code' — to a
// field()), the rest, or the error's own text, in `message`. Focuses the
// first field in error, or `fallbackFocus`. → whether a field got an error.
export function showApiErrors(err, fields, message, { title = '提交失败', fallbackFocus } = {}) {
  let firstInput = null;
  const unplaced = [];
  for (const e of err instanceof ApiError ? err.errors : []) {
    const f = fields[e?.field];
    if (f) {
      f.setError(e.message || '内容有误');
      firstInput ??= f.input;
    } else {
      unplaced.push(e?.message || e?.field);
    }
  }
  if (unplaced.length) message.show(unplaced.join('；'));
  else if (!firstInput) message.show(`${title}：${errorText(err)}`);
  else message.show(err.status === 409 ? err.message : '请按提示修改标出的内容后重新提交。');
  (firstInput ?? fallbackFocus)?.focus();
  return Boolean(firstInput);
}

// A submit button that shows a busy state: busy(true) disables it and
// swaps its text; busy(false) restores it.
export function submitButton(text, busyText) {
  const button = h('button', { type: 'submit', class: 'button' }, text);
  button.busy = (on) => {
    button.disabled = on;
    button.classList.toggle('is-busy', on);
    button.setAttribute('aria-busy', String(on));
    button.textContent = on ? busyText : text;
  };
  return button;
}

// The form-level message line (role=alert, so it is read out when it shows).
export function formMessage(id) {
  const el = h('div', { class: 'form-message', id, role: 'alert' });
  el.show = (text, kind = 'error') => {
    el.className = `form-message${text ? ` form-message-${kind}` : ''}`;
    replace(el, text ?? '');
  };
  return el;
}

// Sends a form to the API on submit: clears `message`, runs `read()`
// (→ { values, firstBad }: firstBad gets the focus and nothing is sent;
// null: nothing is sent), marks `submit` busy and calls `send(values)`.
// A failure shows beside `fields` (showApiErrors, with `title`) and frees
// the button; an answer goes to `done(answer, values)`, the button still busy.
export function onSubmit(form, { signal, message, submit, fields, title, read, send, done }) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.show(null);
    const input = read();
    if (!input) return;
    if (input.firstBad) { input.firstBad.focus(); return; }
    submit.busy(true);
    let answer;
    try {
      answer = await send(input.values);
    } catch (err) {
      if (signal.aborted) return;
      submit.busy(false);
      showApiErrors(err, fields, message, { title, fallbackFocus: submit });
      return;
    }
    if (signal.aborted) return;
    await done(answer, input.values);
  });
}
