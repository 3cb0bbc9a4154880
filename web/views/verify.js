// 证书核验 (public, /verify and /verify/{certificate_no}, the target of the
// certificate's QR code): the certificate's facts, its current status
// (有效 / 暂停 / 撤销 / 过期, with the reason), and whether its signature
// checks — in this browser with WebCrypto Ed25519 when it can (浏览器本地
// 验证), else as the server states it (服务器声明); the page says which.
// The technical details (payload, signature, key) are there for checking
// it offline.
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { field } from '../forms.js';
import { loadingBlock, errorBlock } from '../states.js';
import { facts } from '../widgets.js';
import { setPageTitle } from '../batch-page.js';
import { BASE_STATUS, baseBadge } from '../publicity.js';
import { verifyCertificate } from '../signature.js';

export const title = '证书核验';

const NUMBER = /^KPJD-\d{4}-\d{6}$/;

const STATUS_TEXT = {
  valid: '证书有效：该基地为经中国科协认定命名的全国科普教育基地。',
  suspended: '证书已暂停：该基地的全国科普教育基地资格暂停。',
  revoked: '证书已撤销：该基地的全国科普教育基地资格已被撤销，证书作废。',
  expired: '证书已过期：该基地的认定届期已经结束。',
};

function normalizeNumber(text) {
  return String(text ?? '').trim().toUpperCase().replace(/\s+/g, '');
}

export function render(root, { params, signal, navigate }) {
  let no = '';
  try { no = normalizeNumber(decodeURIComponent(params.no ?? '')); } catch { no = ''; }

  const number = field({
    id: 'verify-no', label: '证书编号', hint: '如 KPJD-2021-000001，见证书上的“证书编号”；扫描证书上的二维码也会打开本页。',
    attrs: { type: 'text', maxlength: 20, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', value: no, class: 'input input-code' },
  });
  const form = h('form', { class: 'form inline-search', novalidate: true, role: 'search', 'aria-label': '核验证书' },
    number.wrap, h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, '核验')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const typed = normalizeNumber(number.value());
    if (!NUMBER.test(typed)) {
      number.setError('证书编号格式为 KPJD-年份-6 位数字，如 KPJD-2021-000001');
      number.input.focus();
      return;
    }
    navigate(`/verify/${typed}`);
  });

  const result = h('div', { class: 'verify-result' });
  replace(root,
    h('section', { class: 'page verify-page' },
      h('div', { class: 'page-head' },
        h('h1', null, no ? `证书核验 ${no}` : '证书核验'),
        h('p', { class: 'muted' }, '核验全国科普教育基地证书的真伪和当前状态。')),
      result,
      h('section', { class: 'panel', 'aria-labelledby': 'verify-form-title' },
        h('h2', { id: 'verify-form-title' }, no ? '核验其他证书' : '输入证书编号'), form)));
  if (!no) return;
  setPageTitle(`证书核验 ${no}`);
  if (!NUMBER.test(no)) {
    replace(result, h('div', { class: 'state state-error', role: 'alert', id: 'verify-missing' },
      h('p', { class: 'state-title' }, `“${no}”不是证书编号`),
      h('p', { class: 'state-detail' }, '证书编号格式为 KPJD-年份-6 位数字，如 KPJD-2021-000001。')));
    return;
  }

  const load = async () => {
    replace(result, loadingBlock('正在核验…'));
    let cert; let keys;
    try {
      [cert, keys] = await Promise.all([
        api('GET', `/public/certificates/${encodeURIComponent(no)}`, undefined, { signal }),
        api('GET', '/public/keys', undefined, { signal })]);
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 404) {
        replace(result, h('div', { class: 'verdict verdict-bad', role: 'alert', id: 'verify-missing' },
          h('p', { class: 'verdict-title' }, h('span', { 'aria-hidden': 'true' }, '✕ '), `查无此证书：${no}`),
          h('p', null, '平台没有这个编号的全国科普教育基地证书。请核对编号；编号无误的，该证书不是中国科协颁发的。')));
        return;
      }
      replace(result, errorBlock(err, { title: '核验失败', onRetry: load }));
      return;
    }
    if (signal.aborted) return;
    const check = await verifyCertificate(cert, keys?.keys ?? [], no);
    if (signal.aborted) return;
    show(cert, check);
  };

  function show(cert, check) {
    // The facts shown are the signed ones when the browser checked them.
    let signed = null;
    try { signed = JSON.parse(cert.payload_canonical); } catch { signed = null; }
    const p = (check.method === 'browser' && check.ok && signed) ? signed : cert.payload ?? {};
    const status = cert.status;
    const good = status === 'valid' && (check.method === 'server' ? cert.signature_valid !== false : check.ok);

    const signature = check.method === 'browser'
      ? h('div', { class: `verify-signature ${check.ok ? 'verify-signature-ok' : 'verify-signature-bad'}`, id: 'verify-signature', dataset: { method: 'browser', ok: String(check.ok) } },
        h('p', { class: 'verify-signature-title' },
          h('span', { 'aria-hidden': 'true' }, check.ok ? '✓ ' : '✕ '),
          check.ok ? '签名有效' : '签名无效',
          h('span', { class: 'verify-method' }, '（浏览器本地验证）')),
        h('p', null, check.ok
          ? `您的浏览器已用平台公布的公钥（编号 ${cert.key_id}）验证了证书的 Ed25519 数字签名：下列证书内容由平台签发，未被篡改。`
          : `${check.problem}。请勿相信本证书。`))
      : h('div', { class: 'verify-signature verify-signature-server', id: 'verify-signature', dataset: { method: 'server', ok: String(cert.signature_valid) } },
        h('p', { class: 'verify-signature-title' },
          h('span', { 'aria-hidden': 'true' }, 'ⓘ '),
          cert.signature_valid === true ? '签名有效' : cert.signature_valid === false ? '签名无效' : '签名未在本地验证',
          h('span', { class: 'verify-method' }, '（服务器声明，未在本地验证）')),
        h('p', null, check.why === 'insecure'
          ? '本页面不是通过 HTTPS 打开的，浏览器不提供数字签名验证功能。下列内容和状态由平台服务器提供；如需独立核验，请通过 HTTPS 打开本页，或用下方的技术信息离线验证签名。'
          : '您的浏览器不支持 Ed25519 数字签名验证。下列内容和状态由平台服务器提供；如需独立核验，可用下方的技术信息离线验证签名，或换用新版浏览器打开本页。'));

    const forged = check.method === 'browser' && !check.ok;
    replace(result,
      forged
        ? h('div', { class: 'verdict verdict-bad', id: 'verify-status', dataset: { status: 'untrusted' } },
          h('p', { class: 'verdict-title' }, h('span', { 'aria-hidden': 'true' }, '✕ '), '无法确认证书真伪'),
          h('p', null, '数字签名校验未通过（见下），本页显示的内容不能证明证书真实。平台记录的状态：', baseBadge(status)))
        : h('div', { class: `verdict ${good ? 'verdict-ok' : 'verdict-bad'}`, id: 'verify-status', dataset: { status } },
          h('p', { class: 'verdict-title' }, '证书状态：', baseBadge(status)),
          h('p', null, STATUS_TEXT[status] ?? BASE_STATUS[status] ?? status),
          cert.status_reason && status !== 'valid' && h('p', { id: 'verify-reason' }, h('strong', null, '原因：'), cert.status_reason)),
      signature,
      h('section', { class: 'panel', 'aria-labelledby': 'verify-facts-title' },
        h('h2', { id: 'verify-facts-title' }, forged ? '证书内容（未通过签名校验，不可信）' : '证书内容'),
        facts([
          ['基地名称', p.base],
          ['单位', p.unit],
          ['类别', p.category],
          ['地区', p.region],
          ['届期', p.term ? `${p.term} 年` : null],
          ['证书编号', p.certificate_no],
          ['命名日期', p.named_on],
          ['颁发单位', p.issuer],
        ], 'facts-compact verify-facts')),
      h('details', { class: 'verify-tech' },
        h('summary', null, '技术信息（离线核验用）'),
        h('p', { class: 'small muted' }, '签名为 Ed25519，对下列“签名内容”的 UTF-8 字节签署；公钥见 ',
          h('a', { href: '/api/v1/public/keys' }, '/api/v1/public/keys'), '。'),
        facts([
          ['公钥编号', h('code', null, cert.key_id)],
          ['签名（base64url）', h('code', { class: 'break' }, cert.signature)],
          ['签名内容', h('code', { class: 'break', id: 'verify-canonical' }, cert.payload_canonical)],
        ], 'facts-compact')));
  }

  load();
}
