// The fields of a batch, for 新建批次 and for editing one: code, title,
// term years and the deadlines (the unit submission deadline, 单位提交截止,
// optional: left empty, none; emptied, removed). Deadlines are typed as
// China time in <input type="datetime-local"> and sent as RFC 3339 with
// +08:00; beside each, how it will read ("2021-10-25 24:00").
import { h, replace } from './dom.js';
import { field } from './forms.js';
import { formatDeadline, fromChinaInput, toChinaInput } from './format.js';

const YEAR_MIN = 2000;
const YEAR_MAX = 2100;

// → { fields: { code, title, term_start_year, ... } (field()s by API name),
//     nodes (to put in the form), read() → { values, firstBad } }
// `batch`: the batch to edit, or null for a new one. `prefix`: id prefix.
export function batchFields(batch, prefix) {
  const id = (name) => `${prefix}-${name.replace(/_/g, '-')}`;
  const year = (name, labelText, value) => field({
    id: id(name), label: labelText,
    attrs: { type: 'number', inputmode: 'numeric', min: YEAR_MIN, max: YEAR_MAX, step: 1, required: true, value: value ?? '' },
  });
  const when = (name, labelText, value, { optional = '' } = {}) => {
    const preview = h('span', { class: 'deadline-preview' });
    const f = field({
      id: id(name), label: labelText,
      hint: h('span', null, optional, '北京时间；当天 24:00 截止请选择次日 00:00。', preview),
      attrs: { type: 'datetime-local', required: !optional, value: toChinaInput(value) },
    });
    const show = () => {
      const iso = fromChinaInput(f.value());
      replace(preview, iso ? `将显示为：${formatDeadline(iso)}` : '');
    };
    f.input.addEventListener('input', show);
    f.input.addEventListener('change', show);
    show();
    return f;
  };

  const fields = {
    code: field({
      id: id('code'), label: '批次编号', hint: '如 2021-1，不能与已有批次重复。',
      attrs: { type: 'text', required: true, maxlength: 64, autocomplete: 'off', spellcheck: 'false', value: batch?.code ?? '' },
    }),
    title: field({
      id: id('title'), label: '批次名称', hint: '如 2021-2025年度第一批、第一批补充认定。',
      attrs: { type: 'text', required: true, maxlength: 200, autocomplete: 'off', value: batch?.title ?? '' },
    }),
    term_start_year: year('term_start_year', '任期开始年份', batch?.term_start_year),
    term_end_year: year('term_end_year', '任期结束年份', batch?.term_end_year),
    contact_deadline: when('contact_deadline', '联系人报送截止时间', batch?.contact_deadline),
    submit_deadline: when('submit_deadline', '单位提交截止时间', batch?.submit_deadline, {
      optional: '选填，应早于推荐截止时间。此后申报单位不能再提交；被退回的申报在推荐截止前仍可重新提交。',
    }),
    recommend_deadline: when('recommend_deadline', '推荐截止时间', batch?.recommend_deadline),
  };

  const nodes = [
    h('div', { class: 'form-grid' }, fields.code.wrap, fields.title.wrap),
    h('fieldset', { class: 'fieldset' },
      h('legend', null, '任期'),
      h('div', { class: 'form-grid' }, fields.term_start_year.wrap, fields.term_end_year.wrap)),
    h('fieldset', { class: 'fieldset' },
      h('legend', null, '截止时间'),
      h('div', { class: 'form-grid' }, fields.contact_deadline.wrap, fields.submit_deadline.wrap,
        fields.recommend_deadline.wrap)),
  ];

  // Client-side checks; each error beside its field.
  function read() {
    let firstBad = null;
    const fail = (name, text) => { fields[name].setError(text); firstBad ??= fields[name].input; };
    const values = {
      code: fields.code.value().trim(),
      title: fields.title.value().trim(),
      term_start_year: Number(fields.term_start_year.value()),
      term_end_year: Number(fields.term_end_year.value()),
      contact_deadline: fromChinaInput(fields.contact_deadline.value()),
      recommend_deadline: fromChinaInput(fields.recommend_deadline.value()),
      submit_deadline: fromChinaInput(fields.submit_deadline.value()),
    };
    if (!values.code) fail('code', '请填写批次编号');
    if (!values.title) fail('title', '请填写批次名称');
    const yearOk = (name) => {
      const raw = fields[name].value().trim();
      if (!raw) { fail(name, '请填写年份'); return false; }
      if (!/^\d{4}$/.test(raw) || values[name] < YEAR_MIN || values[name] > YEAR_MAX) {
        fail(name, `年份应为 ${YEAR_MIN} 到 ${YEAR_MAX} 之间的四位数`);
        return false;
      }
      return true;
    };
    const startOk = yearOk('term_start_year');
    const endOk = yearOk('term_end_year');
    if (startOk && endOk && (values.term_end_year < values.term_start_year || values.term_end_year > values.term_start_year + 10)) {
      fail('term_end_year', '任期结束年份应在开始年份到其后 10 年之间');
    }
    for (const name of ['contact_deadline', 'recommend_deadline']) {
      if (!values[name]) fail(name, fields[name].value() ? '请填写完整的日期和时间' : '请选择截止时间');
    }
    if (values.contact_deadline && values.recommend_deadline &&
        Date.parse(values.recommend_deadline) < Date.parse(values.contact_deadline)) {
      fail('recommend_deadline', '推荐截止时间不能早于联系人报送截止时间');
    }
    if (fields.submit_deadline.value() && !values.submit_deadline) {
      fail('submit_deadline', '请填写完整的日期和时间');
    } else if (values.submit_deadline && values.recommend_deadline &&
        Date.parse(values.submit_deadline) >= Date.parse(values.recommend_deadline)) {
      fail('submit_deadline', '单位提交截止时间应早于推荐截止时间');
    }
    return { values, firstBad };
  }

  return { fields, nodes, read };
}

// The fields of `values` that differ from `batch` (deadlines compared as
// instants; an absent one is null).
export function changedFields(batch, values) {
  const changed = {};
  for (const [key, value] of Object.entries(values)) {
    const before = batch[key];
    const same = !key.endsWith('_deadline') ? before === value
      : before == null || value == null ? before == value
        : Date.parse(before) === Date.parse(value);
    if (!same) changed[key] = value;
  }
  return changed;
}
