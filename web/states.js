// The loading and error states every page that fetches shows the same way.
import { h, replace } from './dom.js';
import { ApiError } from './api.js';

// A live status line: "加载中…".
export function loadingBlock(text = '加载中…') {
  return h('p', { class: 'state state-loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

// Replaces the page with the loading line (before its heading is known).
export function loading(root, text) {
  replace(root, h('div', { class: 'page' }, loadingBlock(text)));
}

// What went wrong, in words for the user.
export function errorText(err) {
  if (err instanceof ApiError) return err.message;
  return '页面出现错误，请刷新后重试。';
}

// An error box with the reason and, when onRetry is given, a 重试 button.
// title: what failed ('通知加载失败'), or null when a heading says it already.
export function errorBlock(err, { title = '加载失败', onRetry } = {}) {
  const box = h('div', { class: 'state state-error', role: 'alert' },
    title && h('p', { class: 'state-title' }, title),
    h('p', { class: 'state-detail' }, errorText(err)));
  if (onRetry) {
    box.append(h('button', { type: 'button', class: 'button button-secondary', onclick: onRetry }, '重试'));
  }
  return box;
}

// Replaces the page with a heading and the error box.
export function failure(root, err, { title = '加载失败', onRetry } = {}) {
  replace(root, h('section', { class: 'page' },
    h('h1', null, title),
    errorBlock(err, { title: null, onRetry })));
}

// The "nothing here" box: a title and, when given, a line of what to do.
export function emptyBlock(title, detail) {
  return h('div', { class: 'empty' },
    h('p', { class: 'empty-title' }, title),
    detail && h('p', { class: 'muted' }, detail));
}
