// 申报单位注册 (public), in three steps:
//   1. the invitation code (also from ?code=…) → GET /invitations/{code}:
//      the batch and recommender it belongs to; a used, revoked or expired
//      code is refused with the reason, an unknown one is 404, too many
//      lookups 429 with the wait;
//   2. the unit (统一社会信用代码 checked while typing, GB 32100-2015) and
//      its account → POST /applicants; the server's field errors beside
//      their fields;
//   3. sign in with the new account and go to the workbench, which lists
//      the unit's applications (GET /applications), the new draft among them.
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';
import * as session from '../session.js';
import { RECOMMENDER_KINDS, INVITATION_STATUS, label, charCount } from '../format.js';
import { field, submitButton, formMessage, showApiErrors } from '../forms.js';
import { errorText } from '../states.js';
import { fillRegionSelect } from '../regions.js';
import { checkCreditCode, normalizeCreditCode, CREDIT_LENGTH } from '../creditcode.js';
import { facts, invitationBadge } from '../widgets.js';

export const title = '申报单位注册';

const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const CODE_LENGTH = 12;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{2,31}$/;
const PHONE = /^[0-9 +\-()]{7,20}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PASSWORD_MIN = 12;
const PASSWORD_MAX = 128;

// What the user typed → the 12 characters the server reads, or null.
function normalizeCode(text) {
  const code = String(text ?? '').replace(/[\s-]/g, '').toUpperCase();
  return code.length === CODE_LENGTH && [...code].every((c) => CODE_ALPHABET.includes(c)) ? code : null;
}

const showCode = (code) => code.replace(/(.{4})(?=.)/g, '$1-');

const REFUSED = {
  used: '该邀请码已被使用，不能再次注册。如本单位尚未注册，请联系推荐单位核实，或索取新的邀请码。',
  revoked: '该邀请码已被推荐单位撤销，不能用于注册。请联系推荐单位索取新的邀请码。',
  expired: '该邀请码已过期：本批次的推荐已截止，不能再注册申报。',
};

function steps(at) {
  return h('ol', { class: 'stepper stepper-small', 'aria-label': '注册步骤' },
    ['验证邀请码', '填写单位信息', '完成注册'].map((text, i) => h('li', {
      class: i < at ? 'step step-done' : i === at ? 'step step-current' : 'step',
      'aria-current': i === at ? 'step' : null,
    }, h('span', { class: 'step-num', 'aria-hidden': 'true' }, String(i + 1)), text)));
}

function waitText(err, what) {
  return err.retryAfter != null ? `${what}过于频繁，请在 ${err.retryAfter} 秒后再试。` : `${what}过于频繁，请稍后再试。`;
}

// Keeps `button` disabled for the seconds of a 429, counting down.
function holdButton(button, seconds, text, signal) {
  if (!seconds) return;
  let left = seconds;
  button.disabled = true;
  button.textContent = `请等待 ${left} 秒`;
  const timer = setInterval(() => {
    left -= 1;
    if (left <= 0 || signal.aborted || !button.isConnected) {
      clearInterval(timer);
      button.disabled = false;
      button.textContent = text;
    } else {
      button.textContent = `请等待 ${left} 秒`;
    }
  }, 1000);
}

export function render(root, { signal, navigate }) {
  const fromUrl = new URLSearchParams(location.search).get('code') ?? '';

  // ---- step 1 ----
  function stepCode(prefill = '', { auto = false } = {}) {
    const code = field({
      id: 'reg-code', label: '申报邀请码',
      hint: '12 位，由推荐单位发放，如 ABCD-EFGH-JKMN；不区分大小写，连字符可省略。',
      attrs: { type: 'text', required: true, maxlength: 20, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', value: prefill, class: 'input input-code' },
    });
    const message = formMessage('reg-code-message');
    const result = h('div', { class: 'lookup-result' });
    const submit = submitButton('下一步', '正在查询…');
    const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'reg-title' },
      code.wrap, message, h('div', { class: 'form-actions' }, submit));

    replace(root,
      h('section', { class: 'auth-page register-page' },
        h('div', { class: 'auth-card auth-card-wide' },
          h('h1', { id: 'reg-title' }, '申报单位注册'),
          steps(0),
          h('p', { class: 'muted' }, '申报单位凭推荐单位发放的申报邀请码注册。每个邀请码只能注册一次，注册后本单位在该批次通过发放邀请码的推荐单位申报。'),
          form, result,
          h('p', { class: 'auth-foot muted' }, '已经注册？', h('a', { href: '/login', dataset: { link: '' } }, '直接登录'), '。没有邀请码的，请联系本地区、本系统或本领域的推荐单位。'))));

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.show(null);
      replace(result);
      const typed = code.value().trim();
      if (!typed) { code.setError('请输入申报邀请码'); code.input.focus(); return; }
      const normalized = normalizeCode(typed);
      if (!normalized) {
        code.setError('邀请码为 12 位数字和大写字母（不含 0、1、I、L、O），请核对');
        code.input.focus();
        return;
      }
      submit.busy(true);
      let info;
      try {
        info = await api('GET', `/invitations/${encodeURIComponent(normalized)}`, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        submit.busy(false);
        if (err instanceof ApiError && err.status === 404) {
          code.setError('邀请码不存在或输入有误');
          code.input.focus();
        } else if (err instanceof ApiError && err.status === 429) {
          message.show(waitText(err, '查询'));
          holdButton(submit, err.retryAfter, '下一步', signal);
        } else {
          message.show(`查询失败：${errorText(err)}`);
        }
        return;
      }
      if (signal.aborted) return;
      submit.busy(false);
      history.replaceState(null, '', `/register?code=${showCode(normalized)}`);
      if (info.status !== 'unused') {
        replace(result, h('div', { class: 'state state-error', role: 'alert', id: 'reg-refused' },
          h('p', { class: 'state-title' }, `邀请码 ${showCode(normalized)} ${label(INVITATION_STATUS, info.status)}`),
          h('p', { class: 'state-detail' }, REFUSED[info.status] ?? '该邀请码不能用于注册。'),
          facts([
            ['批次', `${info.batch.title}（${info.batch.code}）`],
            ['推荐单位', info.recommender.name],
          ], 'facts-compact')));
        code.input.focus();
        return;
      }
      stepForm(normalized, info);
    });

    if (auto && prefill) form.requestSubmit();
  }

  // ---- step 2 ----
  function stepForm(code, info) {
    const f = (key, labelText, attrs, hint) => field({
      id: `reg-${key.replace(/[._]/g, '-')}`, label: labelText, hint, attrs: { type: 'text', required: true, ...attrs },
    });
    const credit = f('unit.credit_code', '统一社会信用代码', {
      maxlength: 22, autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', class: 'input input-code',
    }, '18 位，见营业执照或法人证书；字母不区分大小写。');
    const creditState = h('p', { class: 'field-ok', id: 'reg-unit-credit-code-ok', 'aria-live': 'polite' });
    credit.wrap.append(creditState);
    credit.input.setAttribute('aria-describedby', `${credit.input.getAttribute('aria-describedby')} reg-unit-credit-code-ok`);

    const fields = {
      'unit.name': f('unit.name', '单位名称', { maxlength: 100, autocomplete: 'organization' }, '法人单位或其所属机构的全称，与证照一致。'),
      'unit.credit_code': credit,
      'unit.region': field({ id: 'reg-unit-region', label: '所在地区', options: [{ value: '', label: '请选择' }], attrs: { required: true } }),
      'unit.address': f('unit.address', '地址', { maxlength: 200, autocomplete: 'street-address' }),
      'unit.legal_representative': f('unit.legal_representative', '法定代表人', { maxlength: 50 }),
      'unit.supervising_body': f('unit.supervising_body', '主管部门', { maxlength: 100 }, '如无上级主管部门，填写“无”。'),
      'unit.contact_name': f('unit.contact_name', '联系人', { maxlength: 50, autocomplete: 'name' }),
      'unit.contact_phone': f('unit.contact_phone', '联系电话', { type: 'tel', maxlength: 20, autocomplete: 'tel' }, '手机或含区号的固定电话。'),
      'unit.contact_email': f('unit.contact_email', '电子邮箱', { type: 'email', maxlength: 254, autocomplete: 'email' }),
      username: f('username', '用户名', { maxlength: 32, autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false' },
        '3–32 个字符，以字母或数字开头，可含 _ . @ -；登录时使用。'),
      password: f('password', '密码', { type: 'password', maxlength: PASSWORD_MAX, autocomplete: 'new-password' },
        `${PASSWORD_MIN}–${PASSWORD_MAX} 个字符，不能是常见英文单词、连续或重复的数字和字母，也不能含用户名；建议用一句容易记住、别人难以猜到的话。`),
      confirm: f('confirm', '确认密码', { type: 'password', maxlength: PASSWORD_MAX, autocomplete: 'new-password' }),
    };
    const message = formMessage('reg-message');
    const submit = submitButton('注册并创建申报', '正在注册…');
    const change = h('button', { type: 'button', class: 'button-link' }, '更换邀请码');
    const unitKeys = Object.keys(fields).filter((k) => k.startsWith('unit.'));

    const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'reg-title' },
      h('fieldset', { class: 'fieldset' },
        h('legend', null, '单位信息'),
        h('div', { class: 'form-grid' }, unitKeys.map((k) => fields[k].wrap))),
      h('fieldset', { class: 'fieldset' },
        h('legend', null, '登录账号'),
        h('p', { class: 'muted small' }, '本单位今后用这个账号登录，填写和提交申报。'),
        h('div', { class: 'form-grid' }, fields.username.wrap, h('div'), fields.password.wrap, fields.confirm.wrap)),
      message,
      h('div', { class: 'form-actions' }, submit));

    replace(root,
      h('section', { class: 'auth-page register-page' },
        h('div', { class: 'auth-card auth-card-xwide' },
          h('h1', { id: 'reg-title' }, '申报单位注册'),
          steps(1),
          h('div', { class: 'invite-summary', id: 'reg-invitation' },
            h('div', { class: 'invite-summary-head' },
              h('h2', null, '邀请码 ', h('code', { class: 'invite-code' }, showCode(code)), ' ', invitationBadge(info.status)),
              change),
            facts([
              ['批次', `${info.batch.title}（${info.batch.code}）`],
              ['推荐单位', `${info.recommender.name}（${label(RECOMMENDER_KINDS, info.recommender.kind)}）`],
            ], 'facts-compact'),
            h('p', { class: 'muted small' }, '注册后，本单位在该批次通过此推荐单位申报，不能更换。')),
          form)));

    fillRegionSelect(fields['unit.region'].input).catch(() => fields['unit.region'].setError('地区列表加载失败，请刷新页面重试'));
    change.addEventListener('click', () => {
      history.replaceState(null, '', '/register');
      stepCode(showCode(code));
      root.querySelector('#reg-code')?.focus();
    });

    // The credit code while typing: the count, and what is wrong as soon as
    // it shows. One state at a time: a code the server refused (already
    // registered in the batch, or barred) shows its refusal, never also the
    // green mark of a well-formed code.
    const refusedCredit = new Map();   // normalized code → the server's reason
    const checkCredit = () => {
      const value = normalizeCreditCode(credit.input.value);
      const problem = refusedCredit.has(value)
        ? { message: refusedCredit.get(value) }
        : checkCreditCode(value, { partial: true });
      credit.setError(problem?.message ?? null);
      if (problem) replace(creditState);
      else if (value.length === CREDIT_LENGTH) replace(creditState, '✓ 格式和校验位正确');
      else replace(creditState, value ? `已输入 ${value.length} / ${CREDIT_LENGTH} 位` : '');
      creditState.classList.toggle('field-ok-done', !problem && value.length === CREDIT_LENGTH);
    };
    const refuseCredit = (message) => {
      refusedCredit.set(normalizeCreditCode(credit.input.value), message);
      checkCredit();
    };
    credit.input.addEventListener('input', checkCredit);
    credit.input.addEventListener('blur', () => {
      const value = normalizeCreditCode(credit.input.value);
      if (value !== credit.input.value) credit.input.value = value;
    });

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      message.show(null);
      const v = Object.fromEntries(Object.entries(fields).map(([k, fl]) => [k, fl.value()]));
      for (const k of Object.keys(v)) if (k !== 'password' && k !== 'confirm') v[k] = v[k].trim();
      let firstBad = null;
      const fail = (k, text) => { fields[k].setError(text); firstBad ??= fields[k].input; };
      const required = {
        'unit.name': '请填写单位名称', 'unit.region': '请选择所在地区', 'unit.address': '请填写地址',
        'unit.legal_representative': '请填写法定代表人', 'unit.supervising_body': '请填写主管部门（没有请填“无”）',
        'unit.contact_name': '请填写联系人', 'unit.contact_phone': '请填写联系电话', 'unit.contact_email': '请填写电子邮箱',
        username: '请设置用户名', password: '请设置密码', confirm: '请再次输入密码',
      };
      for (const k of Object.keys(fields)) {
        if (k === 'unit.credit_code') {
          const problem = checkCreditCode(v[k]);
          if (problem) fail(k, problem.message);
        } else if (!v[k]) {
          fail(k, required[k]);
        }
      }
      if (v['unit.contact_phone'] && !PHONE.test(v['unit.contact_phone'])) fail('unit.contact_phone', '请填写有效的联系电话，如 010-68571234 或 13800138000');
      if (v['unit.contact_email'] && !EMAIL.test(v['unit.contact_email'])) fail('unit.contact_email', '请填写有效的电子邮箱');
      if (v.username && !USERNAME.test(v.username)) fail('username', '用户名为 3–32 个字符，以字母或数字开头，只能包含字母、数字和 _ . @ -');
      const n = charCount(v.password);
      if (v.password && n < PASSWORD_MIN) fail('password', `密码至少 ${PASSWORD_MIN} 个字符（现有 ${n} 个）`);
      else if (n > PASSWORD_MAX) fail('password', `密码最多 ${PASSWORD_MAX} 个字符（现有 ${n} 个）`);
      if (v.confirm && v.password && v.confirm !== v.password) fail('confirm', '两次输入的密码不一致');
      if (firstBad) {
        message.show('请按提示修改标出的内容。');
        firstBad.focus();
        return;
      }

      const payload = {
        invitation_code: code,
        username: v.username,
        password: v.password,
        unit: Object.fromEntries(unitKeys.map((k) => [k.slice(5), k === 'unit.credit_code' ? normalizeCreditCode(v[k]) : v[k]])),
      };
      submit.busy(true);
      form.setAttribute('aria-busy', 'true');
      try {
        await api('POST', '/applicants', payload, { signal });
      } catch (err) {
        if (signal.aborted) return;
        submit.busy(false);
        form.removeAttribute('aria-busy');
        if (err instanceof ApiError && err.status === 429) {
          message.show(waitText(err, '提交'));
          holdButton(submit, err.retryAfter, '注册并创建申报', signal);
          submit.focus();
        } else if (err instanceof ApiError && err.status === 404) {
          message.show('邀请码不存在或输入有误，请点击“更换邀请码”重新输入。');
          change.focus();
        } else if (err instanceof ApiError && err.status === 409 && err.code === 'barred') {
          // The unit's base was assessed unqualified at the end of its term.
          message.show(`不能注册：${err.message}。如有疑问，请联系推荐单位或中国科协。`);
          refuseCredit('该统一社会信用代码的单位不得参加本批次申报');
          credit.input.focus();
        } else if (err instanceof ApiError && err.status === 409 && err.code === 'invalid_state') {
          message.show(`不能注册：${err.message}。请点击“更换邀请码”使用其他邀请码。`);
          change.focus();
        } else {
          showApiErrors(err, fields, message, { title: '注册失败', fallbackFocus: submit });
          const taken = err instanceof ApiError ? err.errors.find((e) => e.field === 'unit.credit_code') : null;
          if (taken) refuseCredit(taken.message || '该单位已在本批次申报');
        }
        return;
      }
      if (signal.aborted) return;
      try {
        await session.login(v.username, v.password);
      } catch {
        if (signal.aborted) return;
        navigate('/login?next=%2Fhome', { replace: true, flash: { text: '注册成功，已为您创建申报（草稿）。请用刚设置的用户名和密码登录。' } });
        return;
      }
      if (signal.aborted) return;
      navigate('/home', { replace: true, flash: { text: '注册成功，已为您创建申报（草稿）' } });
    });

    root.querySelector('#reg-unit-name')?.focus();
  }

  stepCode(fromUrl, { auto: Boolean(fromUrl) });
}
