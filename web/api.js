// The one API client of the UI. api(method, path, body) → parsed JSON;
// a non-2xx answer throws an ApiError built from the RFC 9457 problem.
//
// The session travels in the HttpOnly cookie (credentials: 'same-origin');
// unsafe methods add X-CSRF-Token once session.js has told us the token.
// Two answers mean "you cannot be here" wherever they come from: 401
// `unauthenticated` (the session is gone) and 403 `password_change_required`;
// they go to the handler app.js installs with setAuthHandler(), which sends
// the user to /login or /password. The error is thrown all the same, so the
// caller's own code stops there.

export const API_BASE = '/api/v1';

// Readable Chinese per status, for answers without title or detail.
const STATUS_TEXT = {
  0: '无法连接服务器',
  400: '请求格式有误',
  401: '请先登录',
  403: '没有权限执行此操作',
  404: '请求的内容不存在',
  405: '不支持该操作',
  409: '操作与当前状态冲突',
  412: '内容已被修改，请刷新后重试',
  413: '提交的内容过大',
  415: '不支持的内容类型',
  422: '提交的内容有误，请检查后重试',
  429: '操作过于频繁，请稍后再试',
  500: '服务器内部错误，请稍后再试',
  502: '服务暂时不可用，请稍后再试',
  503: '服务暂时不可用，请稍后再试',
  504: '服务器响应超时，请稍后再试',
};

export function statusText(status) {
  return STATUS_TEXT[status] ?? `请求失败（状态码 ${status}）`;
}

export class ApiError extends Error {
  // problem: { type, title, status, detail, code, errors: [{ field, code, message }], errors_total }
  // (errors lists the first 100 field errors; errors_total counts them all)
  // retryAfter: seconds from the Retry-After header (429, 503), or null.
  constructor(status, problem = {}, { retryAfter = null } = {}) {
    super(problem.detail || problem.title || statusText(status));
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code ?? null;
    this.title = problem.title ?? null;
    this.detail = problem.detail ?? null;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.errorsTotal = Number.isInteger(problem.errors_total) ? problem.errors_total : this.errors.length;
    this.retryAfter = retryAfter;
  }

  // The messages of errors[] for one field ('new_password'), or [].
  fieldMessages(field) {
    return this.errors.filter((e) => e?.field === field).map((e) => e.message || e.code);
  }
}

// Retry-After is seconds here (API.md); an HTTP date is accepted too.
function parseRetryAfter(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let csrfToken = null;
// The session's CSRF token (from POST or GET /session), or null to forget it.
export function setCsrfToken(token) {
  csrfToken = token || null;
}

let csrfRefresher = null;
// fn() → a fresh token (GET /session), for a 403 `csrf` after the session
// changed in another tab; the request is then tried once more.
export function setCsrfRefresher(fn) {
  csrfRefresher = fn;
}

let authHandler = null;
// handler(code) for 'unauthenticated' and 'password_change_required'.
export function setAuthHandler(handler) {
  authHandler = handler;
}

// `path` is relative to API_BASE ('/batches/3'); pass { base: '' } for the
// operational endpoints at the root ('/readyz'). `options.signal` cancels:
// an aborted request rejects with the browser's AbortError, not an ApiError.
// `options.authRedirect: false` keeps a 401/403 of the session kind from
// leaving the page (the session probe, logout). `options.contentType` sends
// `body` as it is (a string or Blob: a CSV file) with that Content-Type
// instead of as JSON.
export async function api(method, path, body, options = {}) {
  const { base = API_BASE, signal, headers = {}, authRedirect = true, csrfRetry = true, contentType } = options;
  const init = {
    method,
    headers: { Accept: 'application/json, application/problem+json', ...headers },
    credentials: 'same-origin',
    signal,
  };
  if (csrfToken && UNSAFE.has(method.toUpperCase())) init.headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) {
    init.headers['Content-Type'] = contentType ?? 'application/json; charset=utf-8';
    init.body = contentType ? body : JSON.stringify(body);
  }

  let res;
  try {
    res = await fetch(base + path, init);
  } catch (err) {
    if (err?.name === 'AbortError' || signal?.aborted) throw err;
    throw new ApiError(0, { code: 'network', detail: STATUS_TEXT[0] });
  }

  let text;
  try {
    text = res.status === 204 ? '' : await res.text();
  } catch (err) {
    if (err?.name === 'AbortError' || signal?.aborted) throw err;
    throw new ApiError(0, { code: 'network', detail: STATUS_TEXT[0] });
  }
  const isJson = /[/+]json\b/i.test(res.headers.get('Content-Type') ?? '');
  let data = text === '' ? null : text;
  if (isJson && data !== null) {
    try {
      data = JSON.parse(text);
    } catch {
      if (res.ok) throw new ApiError(res.status, { code: 'bad_response', detail: '服务器返回的内容无法识别' });
      data = null;
    }
  }
  if (res.ok) return data; // JSON → value, empty → null, other types → text
  const error = new ApiError(res.status, data && typeof data === 'object' ? data : {},
    { retryAfter: parseRetryAfter(res.headers.get('Retry-After')) });
  if (error.status === 403 && error.code === 'csrf' && csrfRetry && csrfRefresher && !signal?.aborted) {
    const fresh = await csrfRefresher().catch(() => null);
    if (fresh && fresh !== init.headers['X-CSRF-Token']) {
      return api(method, path, body, { ...options, csrfRetry: false });
    }
  }
  const sessionTrouble = (error.status === 401 && error.code === 'unauthenticated') ||
    (error.status === 403 && error.code === 'password_change_required');
  if (sessionTrouble && authRedirect && authHandler && !signal?.aborted) authHandler(error.code);
  throw error;
}

// Builds the ApiError of a failed answer, handing the session kind to the
// auth handler (as api() does). `problem`: the parsed body or null.
function failed(status, problem, retryAfterHeader, { authRedirect = true, aborted = false } = {}) {
  const error = new ApiError(status, problem && typeof problem === 'object' ? problem : {},
    { retryAfter: parseRetryAfter(retryAfterHeader) });
  const sessionTrouble = (error.status === 401 && error.code === 'unauthenticated') ||
    (error.status === 403 && error.code === 'password_change_required');
  if (sessionTrouble && authRedirect && authHandler && !aborted) authHandler(error.code);
  return error;
}

// RFC 8187 value of a file name: "申报表.pdf" → "%E7%94%B3…pdf" (what
// follows filename*=UTF-8'' in Content-Disposition).
export function encodeFilename(name) {
  return encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// Sends a file as the raw body of a POST with XMLHttpRequest, which (unlike
// fetch) reports upload progress. onProgress(loaded, total) as bytes leave.
// The file name travels in Content-Disposition (filename*=UTF-8''…), the
// CSRF token as for api(). → the parsed JSON answer; a non-2xx answer
// rejects with an ApiError, `signal` aborting rejects with an AbortError.
export function upload(path, file, { contentType, signal, onProgress, csrfRetry = true } = {}) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('上传已取消', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', API_BASE + path);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.setRequestHeader('Content-Type', contentType || file.type || 'application/octet-stream');
    xhr.setRequestHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeFilename(file.name)}`);
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    const sentToken = csrfToken;
    xhr.upload.addEventListener('progress', (event) => {
      onProgress?.(event.loaded, event.lengthComputable ? event.total : file.size);
    });
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    xhr.addEventListener('load', async () => {
      done();
      const isJson = /[/+]json\b/i.test(xhr.getResponseHeader('Content-Type') ?? '');
      let data = null;
      if (isJson && xhr.responseText) {
        try { data = JSON.parse(xhr.responseText); } catch { data = null; }
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(data);
        return;
      }
      const error = failed(xhr.status, data, xhr.getResponseHeader('Retry-After'), { aborted: signal?.aborted });
      if (error.status === 403 && error.code === 'csrf' && csrfRetry && csrfRefresher && !signal?.aborted) {
        const fresh = await csrfRefresher().catch(() => null);
        if (fresh && fresh !== sentToken) {
          upload(path, file, { contentType, signal, onProgress, csrfRetry: false }).then(resolve, reject);
          return;
        }
      }
      reject(error);
    });
    xhr.addEventListener('error', () => {
      done();
      reject(new ApiError(0, { code: 'network', detail: '上传中断：无法连接服务器，或服务器拒收了这个文件' }));
    });
    xhr.addEventListener('abort', () => {
      done();
      reject(new DOMException('上传已取消', 'AbortError'));
    });
    xhr.send(file);
  });
}

// GET of a file (a CSV export) → { blob, filename }: the bytes as they came
// (no decoding: a BOM stays), the name from Content-Disposition when given.
export async function download(path, { signal, filename = 'download' } = {}) {
  let res;
  try {
    res = await fetch(API_BASE + path, { credentials: 'same-origin', signal, headers: { Accept: '*/*' } });
  } catch (err) {
    if (err?.name === 'AbortError' || signal?.aborted) throw err;
    throw new ApiError(0, { code: 'network', detail: STATUS_TEXT[0] });
  }
  if (!res.ok) {
    const problem = await res.json().catch(() => null);
    throw failed(res.status, problem, res.headers.get('Retry-After'), { aborted: signal?.aborted });
  }
  const blob = await res.blob();
  const disposition = res.headers.get('Content-Disposition') ?? '';
  const star = /filename\*=UTF-8''([^;\s]+)/i.exec(disposition);
  let name = filename;
  if (star) {
    try { name = decodeURIComponent(star[1]); } catch { /* keep the default */ }
  }
  return { blob, filename: name };
}

// Hands a blob to the browser as a download named `filename`.
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// Query string from an object, skipping empty values: { a: 1, b: '' } → '?a=1'.
export function query(params) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value != null && value !== '') q.set(key, String(value));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

// Every item of a paged list: follows next_cursor until the end (at most
// `maxPages` pages of `limit`). → the items.
export async function listAll(path, params = {}, { signal, limit = 200, maxPages = 50 } = {}) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page++) {
    const answer = await api('GET', `${path}${query({ ...params, limit, cursor })}`, undefined, { signal });
    items.push(...(answer?.items ?? []));
    cursor = answer?.next_cursor ?? null;
    if (!cursor) break;
  }
  return items;
}
