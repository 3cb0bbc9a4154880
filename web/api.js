// The one API client of the UI. api(method, path, body) → parsed JSON;
// a non-2xx answer throws an ApiError built from the RFC 9457 problem.

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
  // problem: { type, title, status, detail, code, errors: [{ field, code, message }] }
  constructor(status, problem = {}) {
    super(problem.detail || problem.title || statusText(status));
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code ?? null;
    this.title = problem.title ?? null;
    this.detail = problem.detail ?? null;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

// `path` is relative to API_BASE ('/batches/3'); pass { base: '' } for the
// operational endpoints at the root ('/readyz'). `options.signal` cancels:
// an aborted request rejects with the browser's AbortError, not an ApiError.
export async function api(method, path, body, options = {}) {
  const { base = API_BASE, signal, headers = {} } = options;
  const init = {
    method,
    headers: { Accept: 'application/json, application/problem+json', ...headers },
    credentials: 'same-origin',
    signal,
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json; charset=utf-8';
    init.body = JSON.stringify(body);
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
  throw new ApiError(res.status, data && typeof data === 'object' ? data : {});
}
