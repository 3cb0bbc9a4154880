// Printable documents (API.md, "Unit profiles and printable documents"):
// the 申报表 and the 回执 of an application, the 推荐汇总表 of a recommender
// in a batch.  Plain links to the API with `download`: the browser sends
// the session cookie and names the file as the server's
// Content-Disposition says.
import { h } from './dom.js';
import { API_BASE } from './api.js';

// The 申报编号: the batch code, a hyphen, the id padded to six digits
// (lib/domain/appdoc.c says the same).
export const applicationNumber = (app) => `${app.batch_code}-${String(app.id).padStart(6, '0')}`;

// Whether the application counts as submitted: it has a receipt, and its
// form no 草稿 watermark.
export const submitted = (app) => Boolean(app.submitted_at) && app.status !== 'draft' && app.status !== 'returned';

const link = (href, text, { id, label, primary = false } = {}) =>
  h('a', { class: `button${primary ? '' : ' button-secondary'}`, href, download: '', id, 'aria-label': label }, text);

// 打印申报表 (a draft until submitted), and 下载回执 once submitted.
export function applicationDocuments(app) {
  const base = `${API_BASE}/applications/${app.id}`;
  return h('div', { class: 'doc-links', role: 'group', 'aria-label': '申报文件' },
    link(`${base}/form.pdf`, submitted(app) ? '打印申报表（PDF）' : '打印申报表（草稿，PDF）', { id: 'doc-form' }),
    submitted(app) && link(`${base}/receipt.pdf`, '下载回执（PDF）', { id: 'doc-receipt' }));
}

// The 推荐汇总表 of a batch as PDF and CSV: the caller's own, or (the
// admin) the recommender named.
export function sheetLinks(batchId, { recommenderId, name } = {}) {
  const base = `${API_BASE}/batches/${batchId}/recommendation-sheet`;
  const query = recommenderId ? `?recommender_id=${encodeURIComponent(recommenderId)}` : '';
  const whose = name ? `${name}的` : '';
  return h('div', { class: 'doc-links', role: 'group', 'aria-label': `${whose}推荐汇总表` },
    // in a table row of recommenders (a name given), short texts; the label says whose
    link(`${base}.pdf${query}`, name ? 'PDF' : '推荐汇总表（PDF）', { id: recommenderId ? null : 'sheet-pdf', label: name && `${whose}推荐汇总表（PDF）` }),
    link(`${base}.csv${query}`, name ? 'CSV' : '推荐汇总表（CSV）', { id: recommenderId ? null : 'sheet-csv', label: name && `${whose}推荐汇总表（CSV）` }));
}
