// One batch for a recommender, section 名额与联系人: its own quota row
// ("已推荐 N / 名额 M") and its contact form (附件2). The form is prefilled
// when filed (GET …/contact; 404 = not yet) and PUT until the contact
// deadline; after it, or once the batch has left 申报中, it reads only,
// marked 已截止.
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import { formatDateTime, formatDeadline, isPast } from '../format.js';
import { field, submitButton, formMessage, showApiErrors } from '../forms.js';
import { loadingBlock, errorBlock } from '../states.js';
import { withBatch, batchHead } from '../batch-page.js';
import { badge, facts } from '../widgets.js';
import { sheetLinks } from '../documents.js';

export const title = '名额与联系人';

// The contact form's fields: [API name, label, input attributes, hint].
const CONTACT_FIELDS = [
  ['name', '姓名', { type: 'text', maxlength: 50, autocomplete: 'name' }],
  ['department', '部门', { type: 'text', maxlength: 100 }],
  ['position', '职务', { type: 'text', maxlength: 50, autocomplete: 'organization-title' }],
  ['office_phone', '办公电话', { type: 'tel', maxlength: 20, autocomplete: 'work tel' }, '含区号，如 010-68571234。'],
  ['mobile', '手机', { type: 'tel', maxlength: 11, inputmode: 'numeric', autocomplete: 'mobile tel' }, '11 位手机号码。'],
  ['email', '电子邮箱', { type: 'email', maxlength: 254, autocomplete: 'work email' }],
  ['address', '通讯地址', { type: 'text', maxlength: 200, autocomplete: 'street-address' }, '含邮政编码更便于寄送材料。'],
];

const PHONE = /^[0-9 +\-()]{7,20}$/;
const MOBILE = /^1\d{10}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function render(root, { params, signal }) {
  const current = `/my/batches/${params.id}`;
  withBatch(root, params.id, signal, show, { titleSuffix: ' · 名额与联系人' });

  function show(batch) {
    const quotaArea = h('div', { class: 'quota-summary-area' }, loadingBlock());
    const contactArea = h('div', null, loadingBlock());
    replace(root,
      h('section', { class: 'page' },
        batchHead(batch, { role: 'recommender', current }),
        h('div', { class: 'two-col' },
          h('section', { class: 'panel panel-quota', 'aria-labelledby': 'my-quota-title' },
            h('h2', { id: 'my-quota-title' }, '我的名额'),
            quotaArea),
          h('section', { class: 'panel panel-contact', 'aria-labelledby': 'contact-title' },
            h('div', { class: 'panel-head' },
              h('h2', { id: 'contact-title', tabindex: '-1' }, '联系人表'),
              h('p', { class: 'muted small' }, '报送截止：', h('time', { datetime: batch.contact_deadline }, formatDeadline(batch.contact_deadline)), '（北京时间）')),
            contactArea))));

    async function loadQuota() {
      replace(quotaArea, loadingBlock());
      let items;
      try {
        items = (await api('GET', `/batches/${batch.id}/quotas`, undefined, { signal }))?.items ?? [];
      } catch (err) {
        if (signal.aborted) return;
        replace(quotaArea, errorBlock(err, { title: '名额加载失败', onRetry: loadQuota }));
        return;
      }
      if (signal.aborted) return;
      const mine = items[0];
      if (!mine) {
        replace(quotaArea, h('p', { class: 'muted', id: 'my-quota' }, '本批次尚未为本单位下达推荐名额。如有疑问，请联系中国科协。'));
        return;
      }
      const left = Math.max(0, mine.quota - mine.used);
      replace(quotaArea,
        h('p', { class: 'quota-big', id: 'my-quota' },
          h('span', null, '已推荐 '), h('strong', null, String(mine.used)),
          h('span', null, ' / 名额 '), h('strong', null, String(mine.quota))),
        h('p', { class: 'muted' }, left > 0 ? `还可推荐 ${left} 项。` : '名额已用完。',
          '推荐在名额内进行；撤回推荐会释放名额。'),
        sheetLinks(batch.id));
    }

    // Whether the form may still be sent (the server decides; this picks the view).
    const closedReason = () => {
      if (batch.status !== 'draft' && batch.status !== 'open') return '批次已进入评审，联系人表不能再修改。';
      if (isPast(batch.contact_deadline)) return `联系人报送已于 ${formatDeadline(batch.contact_deadline)} 截止。`;
      return null;
    };

    async function loadContact() {
      replace(contactArea, loadingBlock());
      let contact = null;
      try {
        contact = await api('GET', `/batches/${batch.id}/contact`, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        if (!(err instanceof ApiError && err.status === 404)) {
          replace(contactArea, errorBlock(err, { title: '联系人表加载失败', onRetry: loadContact }));
          return;
        }
      }
      if (signal.aborted) return;
      const why = closedReason();
      if (why) readOnly(contact, why);
      else editForm(contact);
    }

    function filedLine(contact) {
      return contact
        ? h('p', { class: 'filed-line' }, badge('已报送', 'ok'), '报送时间 ',
          h('time', { datetime: contact.submitted_at }, formatDateTime(contact.submitted_at)))
        : h('p', { class: 'filed-line' }, badge('未报送', 'warn'));
    }

    function readOnly(contact, why, { notice } = {}) {
      replace(contactArea,
        h('p', { class: 'closed-line' }, badge('已截止', 'muted'), why),
        notice,
        filedLine(contact),
        contact
          ? facts(CONTACT_FIELDS.map(([key, text]) => [text, contact[key]]), 'facts-table')
          : h('p', { class: 'muted' }, '本单位未报送联系人。如需补报，请联系中国科协。'));
    }

    function editForm(contact, { notice } = {}) {
      const fields = {};
      for (const [key, text, attrs, hint] of CONTACT_FIELDS) {
        fields[key] = field({ id: `contact-${key.replace('_', '-')}`, label: text, hint, attrs: { ...attrs, required: true, value: contact?.[key] ?? '' } });
      }
      const message = formMessage('contact-message');
      const submit = submitButton(contact ? '更新联系人' : '报送联系人', '正在提交…');
      const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'contact-title' },
        h('div', { class: 'form-grid' }, Object.values(fields).map((f) => f.wrap)),
        message,
        h('div', { class: 'form-actions' }, submit,
          h('p', { class: 'muted small' }, '截止前可以修改；每次报送或更新，中国科协都会收到通知。')));
      replace(contactArea, notice, filedLine(contact), form);

      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        message.show(null);
        const body = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.value().trim()]));
        let firstBad = null;
        const fail = (k, text) => { fields[k].setError(text); firstBad ??= fields[k].input; };
        for (const [key, text] of CONTACT_FIELDS) if (!body[key]) fail(key, `请填写${text}`);
        if (body.office_phone && !PHONE.test(body.office_phone)) fail('office_phone', '请填写有效的办公电话，如 010-68571234');
        if (body.mobile && !MOBILE.test(body.mobile)) fail('mobile', '请填写 11 位手机号码');
        if (body.email && !EMAIL.test(body.email)) fail('email', '请填写有效的电子邮箱');
        if (firstBad) { firstBad.focus(); return; }
        submit.busy(true);
        let saved;
        try {
          saved = await api('PUT', `/batches/${batch.id}/contact`, body, { signal });
        } catch (err) {
          if (signal.aborted) return;
          submit.busy(false);
          if (err instanceof ApiError && err.status === 409) {
            readOnly(contact, err.message, {
              notice: h('div', { class: 'form-message', role: 'alert' }, `未能提交：${err.message}`),
            });
            root.querySelector('#contact-title')?.focus();
            return;
          }
          showApiErrors(err, fields, message, { title: '提交失败', fallbackFocus: submit });
          return;
        }
        if (signal.aborted) return;
        editForm(saved, {
          notice: h('p', { class: 'form-message form-message-ok', role: 'status' },
            contact ? '联系人信息已更新。' : '联系人信息已报送。'),
        });
        root.querySelector('#contact-title')?.focus();
      });
    }

    loadQuota();
    loadContact();
  }
}
