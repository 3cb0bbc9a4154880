// The limits the server enforces on uploads (GET /limits: attachments.max_file
// and max_total of kpjd.conf), said next to each upload field before the
// user meets them. Asked once per page load; the server still answers 413
// to a file over them.
import { api } from './api.js';
import { h } from './dom.js';
import { formatBytes } from './format.js';

let asked = null;

// → Promise of { attachments: { max_file, max_total }, password: { min_length, max_length } }.
export function limits() {
  asked ??= api('GET', '/limits').catch((err) => { asked = null; throw err; });
  return asked;
}

// What an upload field accepts: "接受 PDF；单个文件不超过 200 MB，<total>合计不超过
// 500 MB". The types show at once, the sizes when the limits arrive (and
// stay unsaid if they cannot be had: the server's 413 still says them).
export function uploadLimits(id, typeText, total = '全部附件') {
  const sizes = h('span', { class: 'upload-limits-size' });
  limits().then(({ attachments: a }) => {
    sizes.textContent = `；单个文件不超过 ${formatBytes(a.max_file)}，${total}合计不超过 ${formatBytes(a.max_total)}`;
  }, () => {});
  return h('p', { class: 'field-hint upload-limits', id }, `接受 ${typeText}`, sizes);
}

// Why `file` cannot be uploaded for its size, before sending it; null when
// it may be (or the limits are not known yet).
export async function oversize(file) {
  const a = await limits().then((l) => l.attachments, () => null);
  return a && file.size > a.max_file ? `“${file.name}”有 ${formatBytes(file.size)}，超过单个文件 ${formatBytes(a.max_file)} 的限制，未上传。` : null;
}
