// 认定专家 (admin): the expert pool — search by name or organisation, add an
// expert (the initial password is shown once in a dialog), 停用 / 启用
// each asked first. Conflicts of interest are declared per batch, on the
// batch's 专家与回避 page.
import { h, replace } from '../dom.js';
import { api, listAll, query } from '../api.js';
import { field, submitButton, formMessage, onSubmit } from '../forms.js';
import { emptyBlock, errorText } from '../states.js';
import { dataTable, pagedList, filterForm } from '../paged-list.js';
import { confirmDialog, secretDialog } from '../dialog.js';
import { fillRegionSelect } from '../regions.js';
import { badge } from '../widgets.js';

export const title = '认定专家';

const PAGE = 50;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{2,31}$/;
const COLUMNS = ['专家', '所在单位', '专业领域', '所在地区', '用户名', '账号状态', '操作'];

export function render(root, { signal }) {
  const params = new URLSearchParams(location.search);
  const q = field({
    id: 'expert-filter-q', label: '姓名或单位',
    attrs: { type: 'search', maxlength: 100, autocomplete: 'off', value: params.get('q') ?? '' },
  });
  const clear = h('button', { type: 'button', class: 'button button-secondary' }, '清除');
  const filters = h('form', { class: 'filters filters-inline', novalidate: true, role: 'search', 'aria-label': '查找专家' },
    q.wrap, h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, '查找'), clear));

  const notice = formMessage('expert-notice');
  const table = dataTable({ label: '专家列表', className: 'table table-cards experts-table', columns: COLUMNS });
  let active = { q: params.get('q') ?? '' };
  const list = pagedList({
    signal,
    url: (cursor) => `/experts${query({ ...active, limit: PAGE, cursor })}`,
    row,
    into: table.tbody,
    view: table.wrap,
    empty: () => (active.q
      ? emptyBlock('没有符合条件的专家', '请换一个姓名或单位查找。')
      : emptyBlock('专家库中还没有专家', '在上方“添加专家”中填写第一位专家。')),
    titles: ['专家列表加载失败', '更多专家加载失败'],
    unit: '位',
    noun: '专家',
  });

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head' },
        h('h1', null, '认定专家'),
        h('p', { class: 'muted' }, '终评专家库。每位专家有一个登录账号，初始密码只在添加时显示一次，首次登录须修改。专家与申报单位的利益关系（同一单位、同一推荐单位）由系统自动回避，其他回避在批次的“专家与回避”中登记。')),
      createPanel(),
      h('section', { class: 'panel', 'aria-labelledby': 'experts-list-title' },
        h('h2', { id: 'experts-list-title' }, '专家库'),
        filters, notice, list.summary, list.body)));

  function createPanel() {
    const name = field({ id: 'expert-new-name', label: '姓名', attrs: { type: 'text', required: true, maxlength: 50, autocomplete: 'off' } });
    const username = field({
      id: 'expert-new-username', label: '登录用户名', hint: '3–32 个字符，以字母或数字开头，可含 _ . @ -。',
      attrs: { type: 'text', required: true, maxlength: 32, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false' },
    });
    const organization = field({ id: 'expert-new-org', label: '所在单位', attrs: { type: 'text', required: true, maxlength: 100 } });
    const credit = field({
      id: 'expert-new-credit', label: '所在单位统一社会信用代码（可不填）', hint: '填写后，与该单位的申报自动回避。',
      attrs: { type: 'text', maxlength: 20, autocomplete: 'off', spellcheck: 'false', class: 'input input-code' },
    });
    const expertise = field({ id: 'expert-new-field', label: '专业领域', attrs: { type: 'text', required: true, maxlength: 100 } });
    const region = field({ id: 'expert-new-region', label: '所在地区（可不填）', options: [{ value: '', label: '不填' }] });
    fillRegionSelect(region.input, { empty: '不填' }).catch(() => region.setError('地区列表加载失败，请刷新页面重试'));
    const recommender = field({
      id: 'expert-new-recommender', label: '推荐该专家的推荐单位（可不填）', hint: '填写后，与该推荐单位推荐的申报自动回避。',
      options: [{ value: '', label: '不填' }],
    });
    listAll('/recommenders', {}, { signal })
      .then((all) => replace(recommender.input, h('option', { value: '' }, '不填'),
        all.map((r) => h('option', { value: String(r.id) }, r.name))))
      .catch(() => { if (!signal.aborted) recommender.setError('推荐单位列表加载失败，请刷新页面重试'); });
    const fields = { name, username, organization, organization_credit_code: credit, field: expertise, region,
      recommender_id: recommender };
    const message = formMessage('expert-new-message');
    const submit = submitButton('添加专家', '正在添加…');
    submit.id = 'expert-new-submit';
    const form = h('form', { class: 'form form-wide', novalidate: true, 'aria-labelledby': 'expert-new-title' },
      h('div', { class: 'form-grid' }, name.wrap, username.wrap, organization.wrap, credit.wrap, expertise.wrap, region.wrap,
        recommender.wrap),
      message, h('div', { class: 'form-actions' }, submit));

    onSubmit(form, {
      signal, message, submit, fields, title: '添加失败',
      read: () => {
        let firstBad = null;
        const fail = (f, text) => { f.setError(text); firstBad ??= f.input; };
        const body = {
          name: name.value().trim(), username: username.value().trim(),
          organization: organization.value().trim(), field: expertise.value().trim(),
        };
        const code = credit.value().replace(/\s+/g, '').toUpperCase();
        if (code) body.organization_credit_code = code;
        if (region.value()) body.region = region.value();
        if (recommender.value()) body.recommender_id = Number(recommender.value());
        if (!body.name) fail(name, '请填写姓名');
        if (!body.username) fail(username, '请填写登录用户名');
        else if (!USERNAME.test(body.username)) fail(username, '用户名为 3–32 个字符，以字母或数字开头，只能包含字母、数字和 _ . @ -');
        if (!body.organization) fail(organization, '请填写所在单位');
        if (!body.field) fail(expertise, '请填写专业领域');
        return { values: body, firstBad };
      },
      send: (body) => api('POST', '/experts', body, { signal }),
      done: async (answer) => {
        const e = answer.expert;
        await secretDialog({
          title: '初始密码（仅显示一次）',
          intro: `已添加专家“${e.name}”及其登录账号。`,
          rows: [['专家', e.name], ['用户名', e.username]],
          secret: answer.initial_password,
          warning: '关闭此窗口后，这个初始密码将无法再次查看。请通过安全渠道交给专家；专家首次登录时须修改密码。',
        });
        if (signal.aborted) return;
        submit.busy(false);
        for (const f of Object.values(fields)) f.input.value = '';
        notice.show(`已添加专家“${e.name}”（用户名 ${e.username}）。`, 'ok');
        list.reload();
        name.input.focus();
      },
    });

    return h('section', { class: 'panel', 'aria-labelledby': 'expert-new-title' },
      h('h2', { id: 'expert-new-title' }, '添加专家'), form);
  }

  function row(e) {
    const toggle = h('button', {
      type: 'button', class: `button button-small ${e.disabled ? 'button-secondary' : 'button-danger-outline'}`,
      'aria-describedby': `expert-${e.id}-name`,
    }, e.disabled ? '启用' : '停用');
    const tr = h('tr', { dataset: { id: String(e.id) }, class: e.disabled ? 'row-disabled' : null },
      h('th', { scope: 'row', id: `expert-${e.id}-name` }, e.name),
      h('td', { dataset: { label: '所在单位' } }, e.organization,
        e.organization_credit_code && h('span', { class: 'block small muted' }, e.organization_credit_code)),
      h('td', { dataset: { label: '专业领域' } }, e.field),
      h('td', { class: 'nowrap', dataset: { label: '所在地区' } }, e.region ?? '—'),
      h('td', { dataset: { label: '用户名' } }, h('code', null, e.username)),
      h('td', { class: 'nowrap', dataset: { label: '账号状态' } }, e.disabled ? badge('已停用', 'muted') : badge('正常', 'ok')),
      h('td', null, h('div', { class: 'row-actions' }, toggle)));

    toggle.addEventListener('click', async () => {
      notice.show(null);
      const disabling = !e.disabled;
      const ok = await confirmDialog({
        title: disabling ? `停用专家“${e.name}”？` : `启用专家“${e.name}”？`,
        body: disabling
          ? '停用后该专家无法登录，也不再被分配评审；已分配给他而未提交的评审可在“专家分配”中改派给其他专家。'
          : '启用后该专家可以重新登录，并参加之后的分配。',
        confirmText: disabling ? '停用' : '启用',
        danger: disabling,
      });
      if (!ok || signal.aborted) return;
      toggle.disabled = true;
      let updated;
      try {
        updated = await api('POST', `/experts/${e.id}/${disabling ? 'disable' : 'enable'}`, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        toggle.disabled = false;
        notice.show(`${disabling ? '停用' : '启用'}失败：${errorText(err)}`);
        toggle.focus();
        return;
      }
      if (signal.aborted) return;
      const fresh = row(updated);
      tr.replaceWith(fresh);
      fresh.querySelector('.row-actions button')?.focus();
      notice.show(`已${disabling ? '停用' : '启用'}专家“${e.name}”。`, 'ok');
    });
    return tr;
  }

  filterForm(filters, {
    path: '/experts',
    read: () => ({ q: q.value().trim() }),
    clear: { button: clear, fields: [q] },
    onApply: (values) => { active = values; list.reload(); },
  });
  list.load();
}
