// What the server's submit calls missing (lib/domain/appform.c,
// kp_appform_missing): base_name, category, every form field but honors
// (having none is an answer), and the sealed application form
// (attachments.application_form) — the same fields, order and messages as
// its 422, so the applicant's page can list them before asking to confirm.
// The server's 422 stays the authority.
import { FIGURES, NARRATIVES } from './appform.js';

const FORM_FIELDS = [...FIGURES, ...NARRATIVES];   // appform.c's order

// → [{ field, code: 'required', message }] for `app` as the server holds it.
export function missingFields(app) {
  const missing = [];
  const need = (field, message) => missing.push({ field, code: 'required', message });
  if (!app.base_name) need('base_name', '请填写基地名称');
  if (!app.category) need('category', '请选择基地类别');
  for (const f of FORM_FIELDS) {
    const v = app.form?.[f.key];
    if (v === undefined || v === null || v === '') need(`form.${f.key}`, `请填写${f.label}`);
  }
  if (!(app.attachments ?? []).some((a) => a.kind === 'application_form')) {
    need('attachments.application_form', '请上传盖章的申报表扫描件（PDF）');
  }
  return missing;
}

// The same list named briefly, for a sentence (the applicant's workbench:
// “还缺：基地名称、类别……”).
const SHORT = {
  base_name: '基地名称',
  category: '类别',
  'attachments.application_form': '申报表扫描件',
  ...Object.fromEntries(FORM_FIELDS.map((f) => [`form.${f.key}`, f.label])),
};

export function missingNames(app) {
  return missingFields(app).map((m) => SHORT[m.field] ?? m.field);
}
