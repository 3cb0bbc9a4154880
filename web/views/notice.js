// One notice (public, /notices/{id}): the batch's proposed list as
// published — 序号 · 所在地区 · 申报单位 · 基地名称 · 推荐单位 in GB/T 2260
// order —, the window in Beijing time and whether it is open; while it is,
// the form for an objection under one's real name (实名异议) against one
// row, which answers with a receipt code to follow it; and a lookup of a
// receipt. The objector's details go to the admin only (the form says so).
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { field, submitButton, formMessage, showApiErrors } from '../forms.js';
import { loading, failure, errorText } from '../states.js';
import { copyButton } from '../dialog.js';
import { facts } from '../widgets.js';
import { charCount } from '../format.js';
import { setPageTitle } from '../batch-page.js';
import {
  noticeBadge, noticeWindow, noticeState, paragraphs, normalizeReceipt, showReceipt,
} from '../publicity.js';

export const title = '公示';

const NAME_MIN = 2;
const NAME_MAX = 50;
const CONTENT_MIN = 10;
const CONTENT_MAX = 5000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// A mainland mobile (13800138000, +86 …) or a landline with its area code
// (010-68571234, 0755 8888 6666), no extension; the server decides
// (kp_valid_mainland_phone), this only spares a round trip.
const PHONE = /^(?:(?:\+|00)?86[\s-]?)?(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}|\(?0\d{2,3}\)?[\s-]?[2-9]\d{2,3}[\s-]?\d{4})$/;

// Seconds → "45 秒", "12 分钟", "1 小时 5 分钟".
function waitWords(seconds) {
  if (seconds < 60) return `${seconds} 秒`;
  const m = Math.ceil(seconds / 60);
  return m < 60 ? `${m} 分钟` : `${Math.floor(m / 60)} 小时${m % 60 ? ` ${m % 60} 分钟` : ''}`;
}

// Why an objection was refused, when it is not about one field.
function refusal(err) {
  if (err instanceof ApiError && err.status === 429) {
    return err.retryAfter != null
      ? `提交过于频繁：同一网络在一段时间内提交的异议数量有限，请在 ${waitWords(err.retryAfter)}后再试。`
      : '提交过于频繁，请稍后再试。';
  }
  if (err instanceof ApiError && err.code === 'deadline_passed') return '公示期已结束，不再受理异议。';
  return `提交失败：${errorText(err)}`;
}

export function render(root, { params, signal, navigate }) {
  const load = async () => {
    loading(root);
    let notice;
    try {
      notice = await api('GET', `/public/notices/${encodeURIComponent(params.id)}`, undefined, { signal });
    } catch (err) {
      if (signal.aborted) return;
      const missing = err instanceof ApiError && err.status === 404;
      failure(root, err, { title: missing ? '公示不存在' : '公示加载失败', onRetry: missing ? null : load });
      return;
    }
    if (signal.aborted) return;
    setPageTitle(notice.title);
    show(notice);
  };

  function show(notice) {
    const open = noticeState(notice) === 'open';
    const rows = notice.rows ?? [];
    const form = open ? objectionForm(notice, rows) : null;

    const find = h('input', {
      type: 'search', id: 'notice-find', class: 'input', placeholder: '单位、基地名称或地区', autocomplete: 'off', maxlength: 50,
    });
    const found = h('p', { class: 'muted small', id: 'notice-found', role: 'status' });
    const tbody = h('tbody', null, rows.map((r) => h('tr', { dataset: { application: String(r.application_id) } },
      h('td', { class: 'num', dataset: { label: '序号' } }, String(r.no)),
      h('td', { class: 'nowrap', dataset: { label: '所在地区' } }, r.region),
      h('td', { class: 'cell-title' }, r.unit_name),
      h('td', { dataset: { label: '基地名称' } }, r.base_name),
      h('td', { dataset: { label: '推荐单位' } }, r.recommender_name),
      open && h('td', { class: 'nowrap' },
        h('button', {
          type: 'button', class: 'button button-secondary button-small',
          'aria-label': `对序号 ${r.no}“${r.base_name}”提出异议`,
          onclick: () => form.pick(r),
        }, '提出异议')))));
    find.addEventListener('input', () => {
      const q = find.value.trim();
      let n = 0;
      for (const [i, tr] of [...tbody.children].entries()) {
        const r = rows[i];
        const hit = !q || [r.unit_name, r.base_name, r.region, r.recommender_name].some((t) => t?.includes(q));
        tr.hidden = !hit;
        if (hit) n += 1;
      }
      found.textContent = q ? `找到 ${n} 个` : '';
    });

    replace(root,
      h('section', { class: 'page notice-page' },
        h('div', { class: 'page-head' },
          h('p', { class: 'breadcrumb' },
            h('a', { href: '/notices', dataset: { link: '' } }, '公示'),
            h('span', { 'aria-hidden': 'true' }, ' / '),
            h('span', null, notice.batch?.code ?? '')),
          h('h1', { class: 'title-with-badge' }, h('span', null, notice.title), noticeBadge(notice)),
          facts([
            ['批次', notice.batch ? notice.batch.title : null],
            ['公示期', noticeWindow(notice)],
            ['状态', open ? '公示中，受理实名异议' : '公示已结束，不再受理异议'],
          ], 'facts-compact notice-facts')),
        notice.body && h('div', { class: 'prose notice-body' }, paragraphs(notice.body)),
        h('section', { class: 'panel', 'aria-labelledby': 'notice-rows-title' },
          h('h2', { id: 'notice-rows-title' }, `拟认定名单（${rows.length} 个）`),
          rows.length > 10 && h('div', { class: 'inline-form notice-find' },
            h('label', { for: 'notice-find' }, '在名单中查找'), find, found),
          h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': '拟认定名单（可横向滚动）' },
            h('table', { class: 'table table-cards notice-table' },
              h('caption', { class: 'visually-hidden' }, `${notice.title}：拟认定名单`),
              h('thead', null, h('tr', null,
                ['序号', '所在地区', '申报单位', '基地名称', '推荐单位', open && '异议'].filter(Boolean)
                  .map((c) => h('th', { scope: 'col' }, c)))),
              tbody))),
        open
          ? form.section
          : h('section', { class: 'panel', 'aria-labelledby': 'objection-closed-title' },
            h('h2', { id: 'objection-closed-title' }, '实名异议'),
            h('p', { id: 'objection-closed' }, '公示期已结束，不再受理异议。已提出异议的，可凭回执编号查询处理结果。')),
        lookupForm()));
  }

  // The objection form, below the table; pick(row) chooses a row from
  // the table's 提出异议 buttons. → { section, pick }
  function objectionForm(notice, rows) {
    const target = field({
      id: 'objection-target', label: '异议对象',
      options: [{ value: '', label: '请选择名单中的单位' },
        ...rows.map((r) => ({ value: String(r.application_id), label: `${r.no}. ${r.unit_name} · ${r.base_name}` }))],
      attrs: { required: true },
    });
    const fields = {
      application_id: target,
      name: field({ id: 'objection-name', label: '姓名', hint: '请填写真实姓名（实名异议）。',
        attrs: { type: 'text', required: true, maxlength: NAME_MAX, autocomplete: 'name' } }),
      phone: field({ id: 'objection-phone', label: '电话', hint: '手机或含区号的固定电话，便于核实。',
        attrs: { type: 'tel', required: true, maxlength: 32, autocomplete: 'tel', inputmode: 'tel' } }),
      email: field({ id: 'objection-email', label: '邮箱（选填）',
        attrs: { type: 'email', maxlength: 254, autocomplete: 'email' } }),
      organization: field({ id: 'objection-organization', label: '单位（选填）',
        attrs: { type: 'text', maxlength: 200, autocomplete: 'organization' } }),
      content: field({ id: 'objection-content', label: '异议内容', multiline: true,
        hint: `${CONTENT_MIN}–${CONTENT_MAX} 字。请写明异议的事实和理由，有证明材料的请说明如何获取。`,
        attrs: { rows: 8, required: true } }),
    };
    const counter = h('p', { class: 'counter', id: 'objection-content-count', 'aria-live': 'off' });
    fields.content.wrap.insertBefore(counter, fields.content.input.nextSibling);
    const count = () => {
      const n = charCount(fields.content.input.value);
      counter.textContent = `${n} / ${CONTENT_MAX} 字`;
      counter.classList.toggle('counter-over', n > CONTENT_MAX);
    };
    fields.content.input.addEventListener('input', count);
    count();

    const message = formMessage('objection-message');
    const submit = submitButton('提交异议', '正在提交…');
    submit.id = 'objection-submit';
    const form = h('form', { class: 'form form-wide', novalidate: true, 'aria-labelledby': 'objection-title' },
      target.wrap,
      h('div', { class: 'form-grid' }, fields.name.wrap, fields.phone.wrap, fields.email.wrap, fields.organization.wrap),
      fields.content.wrap,
      message,
      h('div', { class: 'form-actions' }, submit));
    const intro = [
      h('p', null, '对名单中的单位有异议的，请在公示期内实名提出。匿名或不实的异议不予受理。'),
      h('p', { class: 'callout', id: 'objection-privacy' },
        '您的姓名、电话、邮箱和单位仅供中国科协核实异议使用，不会公开，也不会告知被异议单位。'),
    ];
    const body = h('div', null, intro, form);
    // Back from the receipt to an empty form (the objector's details stay).
    const restore = () => {
      if (form.isConnected) return;
      replace(body, intro, form);
      fields.content.input.value = '';
      count();
      submit.busy(false);
    };
    const section = h('section', { class: 'panel', id: 'objection', 'aria-labelledby': 'objection-title' },
      h('h2', { id: 'objection-title', tabindex: '-1' }, '实名异议'), body);

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.show(null);
      const v = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.value().trim()]));
      let firstBad = null;
      const fail = (k, text) => { fields[k].setError(text); firstBad ??= fields[k].input; };
      if (!v.application_id) fail('application_id', '请选择对名单中哪个单位提出异议');
      const n = charCount(v.name);
      if (!v.name) fail('name', '请填写真实姓名');
      else if (n < NAME_MIN || n > NAME_MAX) fail('name', `姓名为 ${NAME_MIN}–${NAME_MAX} 个字`);
      if (!v.phone) fail('phone', '请填写电话');
      else if (!PHONE.test(v.phone)) fail('phone', '请填写有效的手机号码或含区号的固定电话，如 13800138000 或 010-68571234');
      if (v.email && !EMAIL.test(v.email)) fail('email', '请填写有效的邮箱，或不填');
      const c = charCount(v.content);
      if (!v.content) fail('content', '请填写异议内容');
      else if (c < CONTENT_MIN) fail('content', `异议内容至少 ${CONTENT_MIN} 个字（现有 ${c} 个）`);
      else if (c > CONTENT_MAX) fail('content', `异议内容不能超过 ${CONTENT_MAX} 字（现有 ${c} 字）`);
      if (firstBad) { firstBad.focus(); return; }

      const payload = { application_id: Number(v.application_id), name: v.name, phone: v.phone, content: v.content };
      if (v.email) payload.email = v.email;
      if (v.organization) payload.organization = v.organization;
      submit.busy(true);
      let answer;
      try {
        answer = await api('POST', `/public/notices/${notice.id}/objections`, payload, { signal });
      } catch (err) {
        if (signal.aborted) return;
        submit.busy(false);
        if (err instanceof ApiError && err.status === 422) {
          showApiErrors(err, fields, message, { title: '提交失败', fallbackFocus: submit });
        } else {
          message.show(refusal(err));
          submit.focus();
        }
        return;
      }
      if (signal.aborted) return;
      const row = rows.find((r) => r.application_id === payload.application_id);
      receipt(answer.receipt, row);
    });

    // The receipt, in place of the form: big, grouped, with 复制 and the
    // way to follow it.
    function receipt(code, row) {
      const value = h('code', { class: 'receipt-code', id: 'objection-receipt' }, showReceipt(code));
      const status = h('p', { class: 'copy-status', role: 'status' });
      const again = h('button', { type: 'button', class: 'button button-secondary' }, '再提出一条异议');
      replace(body,
        h('section', { class: 'receipt-box', 'aria-labelledby': 'objection-done-title' },
          h('h3', { id: 'objection-done-title', tabindex: '-1' }, '✓ 异议已提交'),
          h('p', null, row ? `您对“${row.unit_name} · ${row.base_name}”的异议已受理。` : '您的异议已受理。'),
          h('p', { class: 'receipt-label' }, '回执编号'),
          h('p', { class: 'receipt-line' }, value, copyButton(code, { status, selectable: value, name: '回执编号', small: false })),
          status,
          h('p', { class: 'callout callout-warn' }, '请记下回执编号：凭它查询处理进度和答复。回执编号只显示这一次，平台不会通过其他方式发送。'),
          h('p', { class: 'form-actions' },
            h('a', { class: 'button', id: 'objection-follow', href: `/objections/${code}`, dataset: { link: '' } }, '查看处理进度'),
            again)));
      again.addEventListener('click', () => {
        restore();
        target.input.focus();
      });
      body.querySelector('#objection-done-title').focus();
    }

    return {
      section,
      pick(row) {
        restore();
        target.input.value = String(row.application_id);
        target.setError(null);
        section.scrollIntoView({ block: 'start' });
        target.input.focus({ preventScroll: true });
      },
    };
  }

  // 查询处理结果: a receipt → /objections/{receipt}.
  function lookupForm() {
    const code = field({
      id: 'receipt-lookup', label: '回执编号', hint: '16 位，提交异议时显示；连字符可省略，不区分大小写。',
      attrs: { type: 'text', maxlength: 24, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', class: 'input input-code' },
    });
    const form = h('form', { class: 'form inline-search', novalidate: true, 'aria-labelledby': 'receipt-lookup-title' },
      code.wrap, h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button button-secondary' }, '查询')));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const normalized = normalizeReceipt(code.value());
      if (!normalized) {
        code.setError('回执编号为 16 位数字和大写字母（不含 0、1、I、L、O），请核对');
        code.input.focus();
        return;
      }
      navigate(`/objections/${normalized}`);
    });
    return h('section', { class: 'panel', 'aria-labelledby': 'receipt-lookup-title' },
      h('h2', { id: 'receipt-lookup-title' }, '查询异议处理结果'), form);
  }

  load();
}
