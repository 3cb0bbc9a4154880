// The unit's own data (单位信息: GET/PATCH /applicants/{id}) as one panel,
// for the unit's profile page, the recommender's review and the admin's
// application detail. It reads the unit and, when the server says the
// caller may change it now (`editable`: the unit while an application is
// in draft or returned, the admin always), offers 修改 — a form checked as
// registration checks it; only the changed fields are sent, with If-Match,
// so that a change made meanwhile elsewhere is not overwritten (412: the
// panel reloads and says so). The credit code is shown, never edited.
import { h, replace } from './dom.js';
import { api, ApiError } from './api.js';
import { field, submitButton, formMessage, showApiErrors } from './forms.js';
import { fillRegionSelect } from './regions.js';
import { facts } from './widgets.js';
import { loadingBlock, errorBlock } from './states.js';
import * as session from './session.js';

// The fields a unit may change, as registration asks for them.
const FIELDS = [
  { key: 'name', label: '单位名称', max: 100, attrs: { autocomplete: 'organization' }, hint: '法人单位或其所属机构的全称，与证照一致。' },
  { key: 'region', label: '所在地区', select: true },
  { key: 'address', label: '地址', max: 200, attrs: { autocomplete: 'street-address' } },
  { key: 'legal_representative', label: '法定代表人', max: 50 },
  { key: 'supervising_body', label: '主管部门', max: 100, hint: '如无上级主管部门，填写“无”。' },
  { key: 'contact_name', label: '联系人', max: 50, attrs: { autocomplete: 'name' } },
  { key: 'contact_phone', label: '联系电话', max: 20, attrs: { type: 'tel', autocomplete: 'tel' }, hint: '手机或含区号的固定电话。' },
  { key: 'contact_email', label: '电子邮箱', max: 254, attrs: { type: 'email', autocomplete: 'email' } },
];
const PHONE = /^[0-9 +\-()]{7,20}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// Why the unit itself may not change its data now.
const LOCKED = '申报提交后单位信息不能修改；申报被退回修改时可以修改。如需更正，请联系推荐单位或中国科协。';

// → a <section> that loads and shows unit `id`. Options: `signal`; `title`
// (the panel's heading, an h2); `own` (the unit's own page: says why it
// cannot edit when it cannot).
export function unitPanel(id, { signal, title = '单位信息', own = false } = {}) {
  const panel = h('section', { class: 'panel unit-panel', id: 'unit-panel', 'aria-labelledby': 'unit-title' });
  const status = h('p', { class: 'form-message', id: 'unit-status', role: 'status', tabindex: '-1' });

  async function load(notice) {
    replace(panel, h('h2', { id: 'unit-title' }, title), loadingBlock());
    let unit;
    try {
      unit = await api('GET', `/applicants/${encodeURIComponent(id)}`, undefined, { signal });
    } catch (err) {
      if (signal?.aborted) return;
      replace(panel, h('h2', { id: 'unit-title' }, title), errorBlock(err, { title: '单位信息加载失败', onRetry: () => load() }));
      return;
    }
    if (signal?.aborted) return;
    show(unit, notice);
  }

  function show(unit, notice) {
    const edit = unit.editable
      ? h('button', { type: 'button', class: 'button button-secondary button-small', id: 'unit-edit' }, '修改单位信息')
      : null;
    edit?.addEventListener('click', () => editForm(unit));
    status.className = notice ? `form-message form-message-${notice.kind ?? 'ok'}` : 'form-message';
    replace(status, notice?.text ?? '');
    replace(panel,
      h('div', { class: 'panel-head' }, h('h2', { id: 'unit-title' }, title), edit),
      status,
      facts([
        ['单位名称', unit.name],
        ['统一社会信用代码', h('code', { class: 'credit-code' }, unit.credit_code)],
        ['所在地区', unit.region],
        ['地址', unit.address],
        ['法定代表人', unit.legal_representative],
        ['主管部门', unit.supervising_body],
        ['联系人', unit.contact_name],
        ['联系电话', unit.contact_phone],
        ['电子邮箱', unit.contact_email],
      ], 'facts-table unit-facts'),
      own && !unit.editable && h('p', { class: 'muted small', id: 'unit-locked' }, LOCKED));
    if (notice) status.focus();
  }

  function editForm(unit) {
    const fields = {};
    for (const f of FIELDS) {
      fields[f.key] = field({
        id: `unit-${f.key.replaceAll('_', '-')}`, label: f.label, hint: f.hint,
        options: f.select ? [{ value: unit.region, label: unit.region, selected: true }] : undefined,
        attrs: f.select ? { required: true } : { type: 'text', required: true, maxlength: f.max, value: unit[f.key], ...f.attrs },
      });
    }
    fillRegionSelect(fields.region.input, { selected: unit.region })
      .catch(() => fields.region.setError('地区列表加载失败，请刷新页面重试'));
    const message = formMessage('unit-message');
    const save = submitButton('保存', '正在保存…');
    const cancel = h('button', { type: 'button', class: 'button button-secondary' }, '取消');
    const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'unit-title' },
      h('p', { class: 'muted small' }, '统一社会信用代码 ', h('code', { class: 'credit-code' }, unit.credit_code),
        ' 是单位的标识，不能修改。'),
      h('div', { class: 'form-grid' }, FIELDS.map((f) => fields[f.key].wrap)),
      message,
      h('div', { class: 'form-actions' }, save, cancel));
    replace(panel, h('h2', { id: 'unit-title' }, `修改${title}`), form);
    cancel.addEventListener('click', () => { show(unit); panel.querySelector('#unit-edit')?.focus(); });

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.show(null);
      const changes = {};
      let firstBad = null;
      const fail = (key, text) => { fields[key].setError(text); firstBad ??= fields[key].input; };
      for (const f of FIELDS) {
        const value = fields[f.key].value().trim();
        if (!value) fail(f.key, f.select ? '请选择所在地区' : `请填写${f.label}`);
        else if (value !== unit[f.key]) changes[f.key] = value;
      }
      if (changes.contact_phone && !PHONE.test(changes.contact_phone)) fail('contact_phone', '请填写有效的联系电话，如 010-68571234 或 13800138000');
      if (changes.contact_email && !EMAIL.test(changes.contact_email)) fail('contact_email', '请填写有效的电子邮箱');
      if (firstBad) {
        message.show('请按提示修改标出的内容。');
        firstBad.focus();
        return;
      }
      if (!Object.keys(changes).length) {
        show(unit, { text: '没有修改任何内容。' });
        return;
      }
      save.busy(true);
      let saved;
      try {
        saved = await api('PATCH', `/applicants/${unit.id}`, changes, { signal, headers: { 'If-Match': `"${unit.version}"` } });
      } catch (err) {
        if (signal?.aborted) return;
        save.busy(false);
        if (err instanceof ApiError && (err.status === 412 || err.status === 409)) {
          load({ kind: 'error', text: `未能保存：${err.message}${err.status === 412 ? '。下面是最新的单位信息。' : ''}` });
          return;
        }
        showApiErrors(err, fields, message, { title: '保存失败', fallbackFocus: save });
        return;
      }
      if (signal?.aborted) return;
      const me = session.currentUser();
      if (me?.role === 'applicant' && me.org_id === saved.id) session.renamed(saved.name);
      show(saved, { text: '单位信息已保存。' });
    });
    fields.name.input.focus();
  }

  load();
  return panel;
}
