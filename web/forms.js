// Form fields with their label, hint and inline error, wired for screen
// readers: <label for>, aria-describedby to the hint and the error,
// aria-invalid while the error shows.
import { h, replace } from './dom.js';

// → { wrap, input, setError(text|null), value() }
// attrs go to the <input> (type, autocomplete, required, inputmode...).
export function field({ id, label, hint, attrs = {} }) {
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null;
  const errorEl = h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
  const input = h('input', {
    id,
    name: id,
    class: 'input',
    'aria-describedby': [hintEl && `${id}-hint`, `${id}-error`].filter(Boolean).join(' '),
    ...attrs,
  });
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
  return { wrap, input, setError, value: () => input.value };
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
