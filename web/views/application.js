// 申报表 (applicant): one application. While it is a draft or returned for
// revision it is an editor in sections — 基本信息, 基本数据, the four
// narratives, 已命名情况, 附件 — that saves as the user goes: after a pause
// in typing or when a field loses focus, a PATCH with only the changed keys
// and If-Match: "<version>". A 412 whose cause is only our own uploads is
// retried with the new version; one from a real change elsewhere stops the
// saving and offers 重新载入. Attachments upload with XMLHttpRequest for
// the progress bar. 提交 first lists what is still missing (completeness.js,
// the server's own list) and jumps to the first, asking to confirm only
// when nothing is; a 422 from the server is listed the same way. Once
// submitted the page reads only, with the status and what the recommender
// said.
import { h, replace } from '../dom.js';
import { api, upload, ApiError } from '../api.js';
import { CATEGORIES, charCount, formatClock, formatDeadline, isPast } from '../format.js';
import { field } from '../forms.js';
import { loading, failure, errorText } from '../states.js';
import { confirmDialog } from '../dialog.js';
import { uploadLimits, oversize } from '../limits.js';
import { missingFields } from '../completeness.js';
import { setPageTitle } from '../batch-page.js';
import {
  BASE_NAME_MAX, HONORS_MAX, HONOR_TEXT_MAX, FIGURES, NARRATIVES, ATTACHMENT_KINDS,
  attachmentList, applicationFacts, applicationSections, applicationTitle, fieldLabel, fileType,
  outcomeNotice, applicationName,
} from '../appform.js';
import { applicationDocuments, applicationNumber } from '../documents.js';
import { historySection } from '../app-history.js';

export const title = '申报表';

const EDITABLE = new Set(['draft', 'returned']);
const SAVE_PAUSE_MS = 1200;

// What each status means for the applicant, on the read-only page.
const STATUS_NOTE = {
  submitted: '申报已提交给推荐单位，正在等待审核；审核期间不能修改。推荐单位退回修改后，可以修改并重新提交。',
  recommended: '推荐单位已推荐本申报，将进入中国科协的初评。',
  not_recommended: '推荐单位决定不予推荐本申报。',
  expired: '推荐截止时本申报未获推荐，按自愿放弃办理。',
};

// JSON with sorted keys: two values compare equal when their content does.
function stable(value) {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
const same = (a, b) => stable(a) === stable(b);

// The form's content as the server holds it, to compare.
const content = (app) => ({ base_name: app.base_name ?? null, category: app.category ?? null, form: app.form ?? {} });

function emptyToNull(v) {
  return v === '' || v === undefined ? null : v;
}

export function render(root, { params, signal }) {
  const id = params.id;
  let teardown = null; // ends the editor on screen (its timer and listeners)

  async function load({ notice, focus = false } = {}) {
    teardown?.();
    loading(root);
    let app;
    try {
      app = await api('GET', `/applications/${encodeURIComponent(id)}`, undefined, { signal });
    } catch (err) {
      if (signal.aborted) return;
      const missing = err instanceof ApiError && err.status === 404;
      failure(root, err, { title: missing ? '申报不存在' : '申报加载失败', onRetry: missing ? null : () => load() });
      return;
    }
    const batch = await api('GET', `/batches/${app.batch_id}`, undefined, { signal }).catch(() => null);
    if (signal.aborted) return;
    setPageTitle(`${applicationName(app)} · 申报表`);
    if (EDITABLE.has(app.status)) editor(app, batch, { notice });
    else readOnly(app, batch, { notice });
    if (focus) root.querySelector('h1')?.focus();
  }

  function head(app, batch) {
    return h('div', { class: 'page-head' },
      h('p', { class: 'breadcrumb' },
        h('a', { href: '/applications', dataset: { link: '' } }, '我的申报'),
        h('span', { 'aria-hidden': 'true' }, ' / '),
        h('span', null, `申报编号 ${applicationNumber(app)}`)),
      applicationTitle(app),
      applicationFacts(app, batch?.title),
      applicationDocuments(app),
      batch && EDITABLE.has(app.status) && deadlineNote(app, batch));
  }

  // The deadline this application must be submitted by: a draft the unit
  // submission deadline (单位提交截止) when the batch has one; a returned
  // one the recommend deadline, whatever the unit deadline.
  function submitBy(app, batch) {
    return app.status === 'draft' && batch.submit_deadline
      ? { label: '单位提交截止', at: batch.submit_deadline }
      : { label: '推荐截止', at: batch.recommend_deadline };
  }

  function deadlineNote(app, batch) {
    const { label, at } = submitBy(app, batch);
    return h('p', { class: 'muted small', id: 'app-deadline-note' },
      `${label}：`, h('time', { datetime: at }, formatDeadline(at)),
      '（北京时间）。截止前须提交给推荐单位，逾期按自愿放弃办理。',
      app.status === 'returned' && batch.submit_deadline && '退回修改的申报在推荐截止前都可以重新提交。');
  }

  function readOnly(app, batch, { notice } = {}) {
    teardown?.();
    const h1 = head(app, batch);
    h1.querySelector('h1').setAttribute('tabindex', '-1');
    replace(root,
      h('section', { class: 'page page-application' },
        h1,
        notice && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'app-notice' }, notice),
        outcomeNotice(app),
        STATUS_NOTE[app.status] && h('p', { class: 'status-note', id: 'app-status-note' }, STATUS_NOTE[app.status]),
        applicationSections(app),
        historySection(app.id, { signal })));
  }

  // ---------------------------------------------------------------------
  function editor(app, batch, { notice } = {}) {
    const controls = [];          // every saved value: see control()
    const rejected = new Map();   // key → { value, message } the server refused (not sent again)
    let timer = null;
    let inFlight = null;
    let again = false;
    let conflict = false;
    let lastSaved = null;         // Date of the last successful save
    let saveError = null;         // the last failure, shown with 重试
    let uploading = 0;

    // ---- the save status ----
    const statusText = h('span', { class: 'save-text' });
    const statusBox = h('div', { class: 'save-status', id: 'save-status', role: 'status' }, statusText);
    function showStatus(kind, text, extra) {
      statusBox.dataset.state = kind;
      replace(statusText, text);
      statusBox.querySelector('.save-extra')?.remove();
      if (extra) statusBox.append(h('span', { class: 'save-extra' }, extra));
    }
    function refreshStatus() {
      if (conflict) return;
      if (inFlight) { showStatus('saving', '正在保存…'); return; }
      const { keys, problems, editing } = collect({ show: false });
      if (saveError) {
        showStatus('error', `保存失败：${saveError}`,
          h('button', { type: 'button', class: 'button-link', onclick: () => save() }, '重试'));
      } else if (problems) {
        showStatus('invalid', `有 ${problems} 处内容需要修改，改好后自动保存`);
      } else if (keys.length || editing) {
        showStatus('pending', lastSaved ? `有未保存的修改（上次保存于 ${formatClock(lastSaved)}）` : '有未保存的修改');
      } else if (lastSaved) {
        showStatus('saved', `已保存 ${formatClock(lastSaved)}`);
      } else {
        showStatus('idle', '修改会自动保存');
      }
    }

    // ---- controls ----
    // spec: { key (API path), wrap, focusTarget, read() → { value } | { error },
    //         saved() → the server's value, setError(text|null), clientError }
    function control(spec) {
      const c = { clientError: false, ...spec };
      c.hasFocus = () => c.wrap.contains(document.activeElement);
      controls.push(c);
      c.wrap.addEventListener('focusout', (event) => {
        if (!c.wrap.contains(event.relatedTarget)) save();
      });
      return c;
    }

    // Which changes to send, and which fields are not fit to be sent.
    // show: put the client's errors beside the fields not being edited.
    function collect({ show = true } = {}) {
      const body = {};
      const keys = [];
      let problems = 0;
      let editing = 0;   // not fit yet, but still being typed in
      for (const c of controls) {
        const r = c.read();
        if ('error' in r) {
          if (c.hasFocus()) { editing += 1; continue; }
          problems += 1;
          if (show) { c.setError(r.error); c.clientError = true; }
          continue;
        }
        if (show && c.clientError) { c.setError(null); c.clientError = false; }
        if (same(r.value, c.saved())) continue;
        const refused = rejected.get(c.key);
        if (refused && same(refused.value, r.value)) {
          problems += 1;
          if (show && !c.hasFocus()) c.setError(refused.message);
          continue;
        }
        keys.push(c.key);
        if (c.key.startsWith('form.')) (body.form ??= {})[c.key.slice(5)] = r.value;
        else body[c.key] = r.value;
      }
      return { body, keys, problems, editing };
    }

    function schedule() {
      clearTimeout(timer);
      if (!conflict) timer = setTimeout(() => save(), SAVE_PAUSE_MS);
      saveError = null;
      refreshStatus();
    }

    // PATCH what changed. One at a time; changes made meanwhile go next.
    function save({ detached = false } = {}) {
      clearTimeout(timer);
      if (conflict || (signal.aborted && !detached)) return Promise.resolve();
      if (inFlight) { again = true; return inFlight; }
      const { body, keys } = collect();
      if (!keys.length) { refreshStatus(); return Promise.resolve(); }
      const run = (async () => {
        showStatus('saving', '正在保存…');
        try {
          await patch(body, keys, detached, true);
        } finally {
          inFlight = null;
        }
        if (again && !signal.aborted) { again = false; await save(); }
        else if (!signal.aborted) refreshStatus();
      })();
      inFlight = run;
      return run;
    }

    async function patch(body, keys, detached, retry) {
      let fresh;
      try {
        fresh = await api('PATCH', `/applications/${app.id}`, body, {
          signal: detached ? undefined : signal,
          headers: { 'If-Match': `"${app.version}"` },
        });
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof ApiError && err.status === 412 && retry) {
          // Our own uploads move the version too: when the content is
          // still what we last saw, take the new version and try again.
          let now;
          try {
            now = await api('GET', `/applications/${app.id}`, undefined, { signal });
          } catch (e) {
            if (signal.aborted) return;
            saveError = errorText(e);
            return;
          }
          if (same(content(now), content(app)) && EDITABLE.has(now.status)) {
            app.version = now.version;
            if (!same(now.attachments, app.attachments)) {
              app.attachments = now.attachments ?? [];
              for (const u of Object.values(uploaders)) u.showList();
            }
            await patch(body, keys, detached, false);
          } else {
            showConflict();
          }
          return;
        }
        if (err instanceof ApiError && err.status === 412) { showConflict(); return; }
        if (err instanceof ApiError && err.status === 422 && err.errors.length) {
          // Keep the refused values out of the next saves; say why beside them.
          for (const e of err.errors) {
            const c = placeError(e.field, e.message);
            if (c && keys.includes(c.key)) {
              const value = c.key.startsWith('form.') ? body.form[c.key.slice(5)] : body[c.key];
              rejected.set(c.key, { value, message: e.message });
            }
          }
          const placed = err.errors.every((e) => findControl(e.field));
          saveError = placed ? null : err.message;
          if (placed) again = true; // the rest can still be saved
          return;
        }
        if (err instanceof ApiError && err.status === 409) {
          showConflict(err.message, '申报的状态已经改变，不能再保存。');
          return;
        }
        saveError = errorText(err);
        return;
      }
      saveError = null;
      for (const k of keys) rejected.delete(k);
      // The attachments stay as this page knows them (uploads may be under way).
      app = { ...fresh, attachments: app.attachments };
      lastSaved = new Date();
      const name = root.querySelector('h1 > span');
      if (name && !detached) name.textContent = applicationName(app);
    }

    function showConflict(text = '申报已在别处修改', detail = '可能在另一个窗口或设备上修改过。本页此后的修改不会保存，请重新载入后再编辑。') {
      conflict = true;
      clearTimeout(timer);
      statusBox.dataset.state = 'conflict';
      replace(statusBox,
        h('div', { class: 'save-conflict', role: 'alert' },
          h('p', { class: 'save-conflict-title' }, text),
          h('p', null, detail),
          h('button', { type: 'button', class: 'button button-small', onclick: () => load({ focus: true }) }, '重新载入')));
    }

    // The control for a server field path ('form.honors.2.date' → honors).
    function findControl(path) {
      if (!path) return null;
      const key = /^form\.honors\b/.test(path) ? 'form.honors' : path;
      return controls.find((c) => c.key === key) ?? null;
    }
    // Shows `message` beside the field of `path`. → the control, or null.
    function placeError(path, message) {
      if (path === 'attachments.application_form') {
        uploaders.application_form?.setError(message);
        return null;
      }
      const c = findControl(path);
      if (!c) return null;
      if (c.placeError) c.placeError(path, message);
      else c.setError(message);
      return c;
    }
    function focusField(path) {
      if (path === 'attachments.application_form') {
        uploaders.application_form?.input.focus();
        return;
      }
      const c = findControl(path);
      (c?.focusFor?.(path) ?? c?.focusTarget)?.focus();
    }

    // ---- 基本信息 ----
    const baseName = field({
      id: 'app-base-name', label: '基地名称',
      hint: `拟命名的科普教育基地名称（与单位名称可以不同），不超过 ${BASE_NAME_MAX} 字。`,
      attrs: { type: 'text', maxlength: BASE_NAME_MAX, value: app.base_name ?? '', autocomplete: 'off' },
    });
    control({
      key: 'base_name', wrap: baseName.wrap, focusTarget: baseName.input, setError: baseName.setError,
      read() {
        const v = baseName.input.value.trim();
        if (!v) return app.base_name ? { error: '基地名称不能为空' } : { value: null };
        if (charCount(v) > BASE_NAME_MAX) return { error: `基地名称不能超过 ${BASE_NAME_MAX} 字` };
        return { value: v };
      },
      saved: () => app.base_name ?? null,
    });

    const category = field({
      id: 'app-category', label: '类别',
      options: [
        { value: '', label: '请选择' },
        ...Object.entries(CATEGORIES).map(([value, text]) => ({ value, label: text, selected: value === app.category })),
      ],
    });
    if (app.category) category.input.querySelector('option[value=""]').disabled = true;
    control({
      key: 'category', wrap: category.wrap, focusTarget: category.input, setError: category.setError,
      read: () => (category.input.value || !app.category ? { value: category.input.value || null } : { error: '请选择类别' }),
      saved: () => app.category ?? null,
    });
    category.input.addEventListener('change', () => save());

    // ---- 基本数据 ----
    const figureFields = FIGURES.map((f) => {
      const current = app.form?.[f.key];
      const fl = field({
        id: `app-${f.key.replace(/_/g, '-')}`, label: f.label,
        attrs: {
          type: 'text', inputmode: f.type === 'int' ? 'numeric' : 'decimal', autocomplete: 'off',
          value: current == null ? '' : String(current), class: 'input input-number',
        },
      });
      const unit = h('span', { class: 'input-unit', 'aria-hidden': 'true' }, f.unit);
      const box = h('div', { class: 'input-with-unit' });
      fl.input.before(box);
      box.append(fl.input, unit);
      control({
        key: `form.${f.key}`, wrap: fl.wrap, focusTarget: fl.input, setError: fl.setError,
        read() {
          const raw = fl.input.value.replace(/[\s,，]/g, '');
          if (raw === '') return { value: null };
          const ok = f.type === 'int' ? /^\d+$/.test(raw) : /^\d+(\.\d+)?$/.test(raw);
          if (!ok) return { error: f.type === 'int' ? `${f.label}应为不小于 0 的整数` : `${f.label}应为不小于 0 的数字` };
          const n = Number(raw);
          if (n > f.max) return { error: `${f.label}不能超过 ${f.max.toLocaleString('zh-CN')}` };
          return { value: n };
        },
        saved: () => app.form?.[f.key] ?? null,
      });
      return fl;
    });

    // ---- the narratives ----
    const narrativeSections = NARRATIVES.map((n) => {
      const fid = `app-${n.key.replace(/_/g, '-')}`;
      const fl = field({
        id: fid, label: n.label, hint: n.hint, multiline: true,
        attrs: { rows: n.max > 3000 ? '12' : '8', class: 'input input-long' },
      });
      fl.input.value = app.form?.[n.key] ?? '';
      fl.wrap.querySelector('label').classList.add('visually-hidden'); // the section's heading says it
      const counter = h('p', { class: 'counter', id: `${fid}-count` });
      fl.wrap.append(counter);
      fl.input.setAttribute('aria-describedby', `${fl.input.getAttribute('aria-describedby')} ${fid}-count`);
      const count = () => {
        const len = charCount(fl.input.value.trim());
        counter.textContent = len > n.max ? `${len} / ${n.max} 字，超出 ${len - n.max} 字` : `${len} / ${n.max} 字`;
        counter.classList.toggle('counter-over', len > n.max);
      };
      count();
      fl.input.addEventListener('input', count);
      control({
        key: `form.${n.key}`, wrap: fl.wrap, focusTarget: fl.input, setError: fl.setError,
        read() {
          const v = fl.input.value.trim();
          const len = charCount(v);
          if (len > n.max) return { error: `${n.label}不能超过 ${n.max} 字，请删减 ${len - n.max} 字后才能保存` };
          return { value: emptyToNull(v) };
        },
        saved: () => emptyToNull(app.form?.[n.key]),
      });
      return h('section', { class: 'app-section', id: `sec-${n.key}`, 'aria-labelledby': `sec-${n.key}-title` },
        h('h2', { class: 'app-section-title', id: `sec-${n.key}-title`, tabindex: '-1' }, n.label), fl.wrap);
    });

    // ---- 已命名情况 ----
    const honorsList = h('ol', { class: 'honor-list' });
    const honorsWrap = h('div', { class: 'honors' });
    const honorsMessage = h('p', { class: 'field-error', id: 'app-honors-error', 'aria-live': 'polite' });
    const addHonor = h('button', { type: 'button', class: 'button button-secondary button-small', id: 'app-honor-add' }, '添加一项');
    const honorRows = [];
    let honorSerial = 0;
    let sentRows = [];  // the rows of the last save, by index sent

    function honorRow(values = {}) {
      honorSerial += 1;
      const base = `app-honor-${honorSerial}`;
      const mk = (part, text, attrs) => field({
        id: `${base}-${part}`, label: text,
        attrs: { class: 'input', autocomplete: 'off', value: values[part] ?? '', ...attrs },
      });
      const row = {
        title: mk('title', '名称', { type: 'text', maxlength: HONOR_TEXT_MAX, placeholder: '如 北京市科普教育基地' }),
        issuer: mk('issuer', '授予单位', { type: 'text', maxlength: HONOR_TEXT_MAX, placeholder: '如 北京市科学技术协会' }),
        date: mk('date', '日期', { type: 'date', min: '1949-10-01', max: '2099-12-31' }),
      };
      const heading = h('p', { class: 'honor-head', id: `${base}-head` });
      const remove = h('button', { type: 'button', class: 'button button-danger-outline button-small honor-remove', 'aria-describedby': `${base}-head` }, '删除');
      row.el = h('li', { class: 'honor', dataset: { serial: String(honorSerial) } },
        h('div', { class: 'honor-top' }, heading, remove),
        h('div', { class: 'honor-fields' }, row.title.wrap, row.issuer.wrap, row.date.wrap));
      row.heading = heading;
      remove.addEventListener('click', () => {
        const i = honorRows.indexOf(row);
        honorRows.splice(i, 1);
        row.el.remove();
        renumber();
        const next = honorRows[i] ?? honorRows[i - 1];
        (next ? next.title.input : addHonor).focus();
        save();
      });
      return row;
    }
    function renumber() {
      honorRows.forEach((r, i) => { r.heading.textContent = `第 ${i + 1} 项`; });
      addHonor.disabled = honorRows.length >= HONORS_MAX;
      honorsWrap.classList.toggle('honors-empty', honorRows.length === 0);
    }
    for (const x of Array.isArray(app.form?.honors) ? app.form.honors : []) honorRows.push(honorRow(x));
    honorsList.append(...honorRows.map((r) => r.el));
    renumber();
    addHonor.addEventListener('click', () => {
      if (honorRows.length >= HONORS_MAX) return;
      const row = honorRow();
      honorRows.push(row);
      honorsList.append(row.el);
      renumber();
      row.title.input.focus();
    });
    honorsWrap.append(
      h('p', { class: 'muted honors-none' }, '暂无。获得过省级及以上科普教育基地等命名的，请逐项添加。'),
      honorsList, honorsMessage,
      h('div', { class: 'form-actions' }, addHonor,
        h('span', { class: 'muted small' }, `最多 ${HONORS_MAX} 项；证书或批文请在“附件 · 证明材料”中上传。`)));
    const honorsControl = control({
      key: 'form.honors', wrap: honorsWrap, focusTarget: addHonor,
      setError(text) {
        replace(honorsMessage, text ?? '');
        if (!text) for (const r of honorRows) for (const p of ['title', 'issuer', 'date']) r[p].setError(null);
      },
      read() {
        const values = [];
        const rows = [];
        let bad = null;
        for (const r of honorRows) {
          const v = { title: r.title.input.value.trim(), issuer: r.issuer.input.value.trim(), date: r.date.input.value };
          if (!v.title && !v.issuer && !v.date) continue;   // an empty row is not sent
          const problems = {};
          if (!v.title) problems.title = '请填写名称';
          else if (charCount(v.title) > HONOR_TEXT_MAX) problems.title = `不能超过 ${HONOR_TEXT_MAX} 字`;
          if (!v.issuer) problems.issuer = '请填写授予单位';
          else if (charCount(v.issuer) > HONOR_TEXT_MAX) problems.issuer = `不能超过 ${HONOR_TEXT_MAX} 字`;
          if (!/^\d{4}-\d{2}-\d{2}$/.test(v.date)) problems.date = '请选择日期';
          if (Object.keys(problems).length) { bad ??= []; bad.push([r, problems]); }
          values.push(v);
          rows.push(r);
        }
        if (bad) {
          return { error: '有未填写完整的项，填写完整后自动保存', rows: bad };
        }
        honorsControl.rows = rows;
        return { value: values.length ? values : null };
      },
      saved: () => (Array.isArray(app.form?.honors) && app.form.honors.length ? app.form.honors : null),
      placeError(path, message) {
        const m = /^form\.honors\.(\d+)\.(title|issuer|date)$/.exec(path);
        const r = m && sentRows[Number(m[1])];
        if (r) r[m[2]].setError(message);
        else replace(honorsMessage, message);
      },
      focusFor(path) {
        const m = /^form\.honors\.(\d+)\.(title|issuer|date)$/.exec(path);
        return m && sentRows[Number(m[1])]?.[m[2]].input;
      },
    });
    // The row errors of an incomplete row show beside its fields.
    const readHonors = honorsControl.read;
    honorsControl.read = () => {
      const r = readHonors();
      if (!('error' in r)) sentRows = honorsControl.rows;
      return r;
    };
    const setHonorsError = honorsControl.setError;
    honorsControl.setError = (text) => {
      setHonorsError(text);
      if (!text) return;
      const r = readHonors();
      for (const [row, problems] of r.rows ?? []) {
        for (const [part, msg] of Object.entries(problems)) row[part].setError(msg);
      }
    };

    // ---- 附件 ----
    const uploaders = {};
    const attachmentNotice = h('p', { class: 'visually-hidden', role: 'status', id: 'attachment-status' });
    function kindBlock(k) {
      const inputId = `app-file-${k.kind.replace(/_/g, '-')}`;
      const input = h('input', {
        type: 'file', id: inputId, class: 'input input-file', accept: k.accept,
        multiple: k.kind === 'evidence' || k.kind === 'other',
        'aria-describedby': `${inputId}-hint ${inputId}-limits ${inputId}-error`,
      });
      const errorEl = h('p', { class: 'field-error', id: `${inputId}-error`, role: 'alert' });
      const progressList = h('ul', { class: 'upload-list', 'aria-label': `${k.label}上传进度` });
      const listArea = h('div', { class: 'upload-files' });
      const block = h('div', { class: 'upload-kind', id: `upload-${k.kind}`, dataset: { kind: k.kind } },
        h('h3', { class: 'upload-title' }, k.label,
          k.required && h('span', { class: 'badge badge-warn' }, '必传')),
        h('p', { class: 'field-hint', id: `${inputId}-hint` }, k.hint),
        h('label', { class: 'field-label upload-label', for: inputId }, `上传${k.label}（${k.typeText}）`),
        uploadLimits(`${inputId}-limits`, k.typeText, '本申报全部附件'),
        input, errorEl, progressList, listArea);
      const setError = (text) => {
        replace(errorEl, text ?? '');
        block.classList.toggle('upload-invalid', Boolean(text));
      };
      const showList = () => {
        replace(listArea, attachmentList((app.attachments ?? []).filter((a) => a.kind === k.kind), {
          kinds: false,
          actions: (a, nameId) => {
            const del = h('button', { type: 'button', class: 'button button-danger-outline button-small', 'aria-describedby': nameId }, '删除');
            del.addEventListener('click', () => removeAttachment(a, del, k));
            return del;
          },
        }));
        listArea.querySelector('.attachments-empty')?.replaceChildren('尚未上传。');
      };
      showList();
      input.addEventListener('change', async () => {
        const files = [...(input.files ?? [])];
        input.value = '';
        if (!files.length) return;
        setError(null);
        for (const li of [...progressList.children]) if (li.dataset.state !== 'uploading') li.remove();
        for (const file of files) {
          if (signal.aborted) return;
          await uploadOne(k, file, { progressList, setError, showList });
        }
      });
      uploaders[k.kind] = { input, setError, showList };
      return block;
    }

    function uploadErrorText(err, k) {
      if (!(err instanceof ApiError)) return errorText(err);
      if (err.status === 413) return `文件过大，未上传：${err.detail ?? '超过大小限制'}`;
      if (err.status === 415) {
        return err.detail?.startsWith('文件内容不是')
          ? `文件内容不是有效的 ${k.typeText} 文件（扩展名可能与实际格式不符），未上传`
          : `文件类型不符，未上传：${err.detail ?? `${k.label}应为 ${k.typeText}`}`;
      }
      if (err.status === 422) return `未上传：${err.errors.map((e) => e.message).join('；') || err.message}`;
      if (err.status === 409) return `未上传：${err.message}`;
      return `上传失败：${errorText(err)}`;
    }

    async function uploadOne(k, file, { progressList, setError, showList }) {
      const type = fileType(file);
      if (!k.types.includes(type)) {
        setError(`“${file.name}”不是 ${k.typeText} 文件，${k.label}只接受 ${k.typeText}。`);
        return;
      }
      if (file.size === 0) {
        setError(`“${file.name}”是空文件，未上传。`);
        return;
      }
      const big = await oversize(file);
      if (big) { setError(big); return; }
      const bar = h('progress', { max: '100', value: '0', 'aria-label': `“${file.name}”上传进度` });
      const pct = h('span', { class: 'upload-pct' }, '0%');
      const state = h('span', { class: 'upload-state' }, '正在上传');
      const cancel = h('button', { type: 'button', class: 'button-link upload-cancel' }, '取消');
      const li = h('li', { class: 'upload', dataset: { state: 'uploading' } },
        h('span', { class: 'upload-name' }, file.name), bar, pct, state, cancel);
      progressList.append(li);
      const ctrl = new AbortController();
      const stop = () => ctrl.abort();
      signal.addEventListener('abort', stop, { once: true });
      cancel.addEventListener('click', stop);
      const setPct = (p) => {
        bar.value = p;
        pct.textContent = `${p}%`;
      };
      uploading += 1;
      let att;
      try {
        att = await upload(`/applications/${app.id}/attachments?kind=${k.kind}`, file, {
          contentType: type,
          signal: ctrl.signal,
          onProgress: (loaded, total) => setPct(total ? Math.min(99, Math.floor((loaded / total) * 100)) : 0),
        });
      } catch (err) {
        uploading -= 1;
        signal.removeEventListener('abort', stop);
        if (signal.aborted) return;
        cancel.remove();
        if (err?.name === 'AbortError') {
          li.dataset.state = 'cancelled';
          state.textContent = '已取消';
          return;
        }
        li.dataset.state = 'failed';
        state.textContent = '未上传';
        bar.remove();
        pct.remove();
        setError(uploadErrorText(err, k));
        return;
      }
      uploading -= 1;
      signal.removeEventListener('abort', stop);
      if (signal.aborted) return;
      cancel.remove();
      setPct(100);
      li.dataset.state = 'done';
      state.textContent = '上传完成';
      const { application_version: version, ...listed } = att;
      app.attachments = [...(app.attachments ?? []), listed];
      app.version = version;   // the server counts an upload as a change, and says so
      showList();
      if (k.kind === 'application_form') uploaders.application_form.setError(null);
      attachmentNotice.textContent = `已上传“${att.filename}”`;
    }

    async function removeAttachment(a, button, k) {
      const ok = await confirmDialog({
        title: `删除“${a.filename}”？`,
        body: '删除后不能恢复；如有需要，可以重新上传。',
        confirmText: '删除',
        danger: true,
      });
      if (!ok || signal.aborted) return;
      button.disabled = true;
      try {
        await api('DELETE', `/attachments/${a.id}`, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        button.disabled = false;
        uploaders[k.kind].setError(`删除失败：${errorText(err)}`);
        return;
      }
      app.attachments = app.attachments.filter((x) => x.id !== a.id);
      app.version += 1;
      uploaders[k.kind].showList();
      attachmentNotice.textContent = `已删除“${a.filename}”`;
      uploaders[k.kind].input.focus();
    }

    // ---- 提交 ----
    const missingBox = h('div', { class: 'missing', id: 'app-missing', tabindex: '-1' });
    const submitMessage = h('div', { class: 'form-message', id: 'app-submit-message', role: 'alert' });
    const resubmit = app.status === 'returned';
    const submitBtn = h('button', { type: 'button', class: 'button button-block', id: 'app-submit' }, resubmit ? '重新提交' : '提交申报');
    const by = batch && submitBy(app, batch);
    const pastDeadline = by && isPast(by.at);

    function showMissing(errors) {
      const items = errors.map((e) => {
        const text = fieldLabel(e.field);
        const link = h('button', { type: 'button', class: 'button-link' }, text);
        link.addEventListener('click', () => focusField(e.field));
        return h('li', { dataset: { field: e.field } }, link,
          e.message && e.message !== `请填写${text}` && h('span', { class: 'muted' }, `：${e.message}`));
      });
      replace(missingBox,
        h('p', { class: 'missing-title' }, `申报表尚未填写完整，还缺少以下 ${errors.length} 项：`),
        h('ul', { class: 'missing-list' }, items),
        h('p', { class: 'muted small' }, '点击可跳到相应位置；填写后会自动保存，然后再次提交。'));
      for (const e of errors) placeError(e.field, e.message);
    }

    submitBtn.addEventListener('click', async () => {
      replace(submitMessage);
      submitMessage.className = 'form-message';
      if (uploading) { say('请等待附件上传完成后再提交。'); return; }
      await save();
      if (signal.aborted || conflict) return;
      const { problems } = collect();
      if (problems) {
        say('有内容需要修改（已在相应位置标出），改好后再提交。');
        const bad = controls.find((c) => 'error' in c.read());
        (bad?.focusTarget ?? submitBtn).focus();
        return;
      }
      if (saveError) { say(`修改尚未保存：${saveError}`); return; }
      // Incomplete: the list, and no question (the 422 below stays the authority).
      const missing = missingFields(app);
      if (missing.length) {
        showMissing(missing);
        say(`申报表尚未填写完整，还缺少 ${missing.length} 项，已在上方列出。`);
        focusField(missing[0].field);
        return;
      }
      replace(missingBox);
      const ok = await confirmDialog({
        title: resubmit ? '重新提交申报？' : '提交申报？',
        body: h('div', null,
          h('p', null, `申报将提交给推荐单位“${app.recommender_name}”审核。`),
          h('p', null, '提交后申报表和附件不能再修改；推荐单位退回修改后，才可以修改并重新提交。')),
        confirmText: resubmit ? '确认重新提交' : '确认提交',
      });
      if (!ok || signal.aborted) return;
      submitBtn.disabled = true;
      submitBtn.textContent = '正在提交…';
      let done;
      try {
        done = await api('POST', `/applications/${app.id}/submit`, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        submitBtn.disabled = false;
        submitBtn.textContent = resubmit ? '重新提交' : '提交申报';
        if (err instanceof ApiError && err.status === 422 && err.errors.length) {
          showMissing(err.errors);
          say(`申报表尚未填写完整，还缺少 ${err.errors.length} 项，已在上方列出。`);
          focusField(err.errors[0].field);
          return;
        }
        say(err instanceof ApiError && err.status === 409 ? `不能提交：${err.message}` : `提交失败：${errorText(err)}`);
        return;
      }
      if (signal.aborted) return;
      readOnly(done, batch, { notice: resubmit ? '申报已重新提交给推荐单位。' : '申报已提交给推荐单位，请等待审核。' });
      root.querySelector('h1')?.focus();
    });
    function say(text) {
      submitMessage.className = 'form-message form-message-error';
      replace(submitMessage, text);
    }

    // ---- the page ----
    const sections = [
      ['sec-basic', '基本信息'], ['sec-figures', '基本数据'],
      ...NARRATIVES.map((n) => [`sec-${n.key}`, n.label]),
      ['sec-honors', '已命名情况'], ['sec-attachments', '附件'],
    ];
    const toc = h('nav', { class: 'app-toc', 'aria-label': '申报表目录' },
      h('ol', null, sections.map(([sid, text]) => {
        const a = h('a', { href: `#${sid}` }, text);
        a.addEventListener('click', (event) => {
          event.preventDefault();
          const target = root.querySelector(`#${sid}-title`);
          target?.scrollIntoView({ block: 'start' });
          target?.focus({ preventScroll: true });
        });
        return h('li', null, a);
      })));

    const sectionEl = (sid, text, ...children) => h('section', { class: 'app-section', id: sid, 'aria-labelledby': `${sid}-title` },
      h('h2', { class: 'app-section-title', id: `${sid}-title`, tabindex: '-1' }, text), children);

    const pageHead = head(app, batch);
    pageHead.querySelector('h1').setAttribute('tabindex', '-1');
    replace(root,
      h('section', { class: 'page page-application' },
        pageHead,
        notice && h('p', { class: 'form-message form-message-ok', role: 'status', id: 'app-notice' }, notice),
        outcomeNotice(app),
        pastDeadline && h('p', { class: 'form-message', id: 'app-deadline' }, `${by?.label}已过，申报不能再提交。`),
        h('div', { class: 'app-layout' },
          h('div', { class: 'app-main' },
            h('p', { class: 'muted app-intro' }, '按栏目填写，内容会自动保存，可以分几次填完。全部填好并上传盖章的申报表扫描件后，点击“提交申报”。'),
            missingBox,
            sectionEl('sec-basic', '基本信息', h('div', { class: 'form-grid' }, baseName.wrap, category.wrap)),
            sectionEl('sec-figures', '基本数据',
              h('p', { class: 'muted small' }, '填写最近一个完整年度的数据；“近三年”指申报前的三个年度。'),
              h('div', { class: 'form-grid figures-grid' }, figureFields.map((f) => f.wrap))),
            narrativeSections,
            sectionEl('sec-honors', '已命名情况', honorsWrap),
            sectionEl('sec-attachments', '附件',
              h('p', { class: 'muted small' }, '选择文件后立即上传。提交后附件不能再增删。'),
              h('div', { class: 'upload-kinds' }, ATTACHMENT_KINDS.map(kindBlock)),
              attachmentNotice)),
          h('aside', { class: 'app-aside', 'aria-label': '保存与提交' },
            statusBox,
            toc,
            h('div', { class: 'submit-box' },
              submitBtn,
              submitMessage,
              h('p', { class: 'muted small submit-hint' }, '提交后由推荐单位审核，审核期间不能修改。')))),
        app.status === 'returned' && historySection(app.id, { signal })));

    // Typing anywhere schedules a save; a field left saves at once.
    root.querySelector('.app-main').addEventListener('input', (event) => {
      if (event.target instanceof HTMLInputElement && event.target.type === 'file') return;
      schedule();
    });
    refreshStatus();

    // Leaving the page: what is not saved yet goes now; closing the tab asks.
    const beforeUnload = (event) => {
      if (!conflict && (inFlight || collect({ show: false }).keys.length)) event.preventDefault();
    };
    window.addEventListener('beforeunload', beforeUnload);
    const leave = () => {
      window.removeEventListener('beforeunload', beforeUnload);
      clearTimeout(timer);
      if (!conflict && !inFlight && collect({ show: false }).keys.length) save({ detached: true });
    };
    signal.addEventListener('abort', leave, { once: true });
    teardown = () => {
      teardown = null;
      conflict = true; // this editor saves no more
      clearTimeout(timer);
      window.removeEventListener('beforeunload', beforeUnload);
      signal.removeEventListener('abort', leave);
    };
  }

  load();
}
