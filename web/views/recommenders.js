// 推荐单位 (admin): every recommender with its kind, region, login name
// and whether its account is active; filters by kind, region and name; per
// row 重置密码 (the new initial password is shown once) and 停用 / 启用,
// each asked first.
import { h, replace } from '../dom.js';
import { api, query } from '../api.js';
import { RECOMMENDER_KINDS, label } from '../format.js';
import { field, formMessage } from '../forms.js';
import { emptyBlock, errorText } from '../states.js';
import { dataTable, pagedList, filterForm } from '../paged-list.js';
import { confirmDialog, secretDialog } from '../dialog.js';
import { fillRegionSelect } from '../regions.js';
import { badge } from '../widgets.js';

export const title = '推荐单位';

const PAGE = 50;
const COLUMNS = ['推荐单位', '类别', '所在地区', '用户名', '账号状态', '操作'];

export function render(root, { signal }) {
  const params = new URLSearchParams(location.search);
  const kind = field({
    id: 'rec-filter-kind', label: '类别',
    options: [{ value: '', label: '全部' },
      ...Object.entries(RECOMMENDER_KINDS).map(([value, text]) => ({ value, label: text, selected: params.get('kind') === value }))],
  });
  const region = field({ id: 'rec-filter-region', label: '所在地区', options: [{ value: '', label: '全部' }] });
  const q = field({
    id: 'rec-filter-q', label: '名称',
    attrs: { type: 'search', placeholder: '名称中的文字', maxlength: 100, autocomplete: 'off', value: params.get('q') ?? '' },
  });
  const clear = h('button', { type: 'button', class: 'button button-secondary' }, '清除');
  const form = h('form', { class: 'filters', novalidate: true, role: 'search', 'aria-label': '筛选推荐单位' },
    h('div', { class: 'filter-fields filter-fields-3' }, kind.wrap, region.wrap, q.wrap),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'button' }, '筛选'), clear));

  const notice = formMessage('rec-notice');
  const table = dataTable({ label: '推荐单位列表', className: 'table table-cards recommenders-table', columns: COLUMNS });

  // The filters of the list on screen (the URL's at first: the region
  // select is still loading then).
  let active = { kind: params.get('kind') ?? '', region: params.get('region') ?? '', q: params.get('q') ?? '' };
  const list = pagedList({
    signal,
    url: (cursor) => `/recommenders${query({ ...active, limit: PAGE, cursor })}`,
    row,
    into: table.tbody,
    view: table.wrap,
    empty: () => (Object.values(active).some(Boolean)
      ? emptyBlock('没有符合条件的推荐单位', '请调整筛选条件。')
      : emptyBlock('还没有推荐单位', '点击“新建推荐单位”创建第一个推荐单位及其管理账号。')),
    titles: ['推荐单位加载失败', '更多推荐单位加载失败'],
    unit: '个',
    noun: '推荐单位',
  });

  replace(root,
    h('section', { class: 'page' },
      h('div', { class: 'page-head page-head-row' },
        h('div', null,
          h('h1', null, '推荐单位'),
          h('p', { class: 'muted' }, '全民科学素质纲要实施工作办公室成员单位、全国学会和省级科协（含新疆生产建设兵团科协）。每个推荐单位有一个管理账号，初始密码只在创建或重置时显示一次，首次登录须修改。')),
        h('a', { class: 'button', href: '/recommenders/new', dataset: { link: '' } }, '新建推荐单位')),
      form, notice, list.summary, list.body));

  fillRegionSelect(region.input, { empty: '全部', selected: params.get('region') ?? '' }).catch(() => {});

  const filterValues = () => ({ kind: kind.value(), region: region.value(), q: q.value().trim() });

  function row(r) {
    const reset = h('button', { type: 'button', class: 'button button-secondary button-small' }, '重置密码');
    const toggle = h('button', { type: 'button', class: `button button-small ${r.disabled ? 'button-secondary' : 'button-danger-outline'}` },
      r.disabled ? '启用' : '停用');
    for (const b of [reset, toggle]) b.setAttribute('aria-describedby', `rec-${r.id}-name`);
    const tr = h('tr', { dataset: { id: String(r.id) }, class: r.disabled ? 'row-disabled' : null },
      h('th', { scope: 'row', id: `rec-${r.id}-name` }, r.name),
      h('td', { dataset: { label: '类别' } }, label(RECOMMENDER_KINDS, r.kind)),
      h('td', { class: 'nowrap', dataset: { label: '所在地区' } }, r.region ?? '—'),
      h('td', { dataset: { label: '用户名' } }, h('code', null, r.username)),
      h('td', { class: 'nowrap', dataset: { label: '账号状态' } }, r.disabled ? badge('已停用', 'muted') : badge('正常', 'ok')),
      h('td', null, h('div', { class: 'row-actions' }, reset, toggle)));

    reset.addEventListener('click', async () => {
      notice.show(null);
      const ok = await confirmDialog({
        title: `重置“${r.name}”的密码？`,
        body: h('div', null,
          h('p', null, '将生成新的初始密码：原密码立即失效，该账号已登录的会话全部退出。'),
          h('p', null, '新的初始密码只显示一次，请当场复制，通过安全渠道交给推荐单位；对方下次登录时须修改密码。')),
        confirmText: '重置密码',
        danger: true,
      });
      if (!ok || signal.aborted) return;
      reset.disabled = true;
      let answer;
      try {
        answer = await api('POST', `/recommenders/${r.id}/password-reset`, undefined, { signal });
      } catch (err) {
        if (signal.aborted) return;
        reset.disabled = false;
        notice.show(`重置“${r.name}”的密码失败：${errorText(err)}`);
        reset.focus();
        return;
      }
      if (signal.aborted) return;
      reset.disabled = false;
      await secretDialog({
        title: '新的初始密码（仅显示一次）',
        intro: `已重置“${r.name}”的登录密码。`,
        rows: [['用户名', answer.recommender?.username ?? r.username]],
        secret: answer.initial_password,
        warning: '关闭此窗口后，这个初始密码将无法再次查看；如遗失只能再次重置。对方首次登录时须修改密码。',
      });
      notice.show(`已重置“${r.name}”的密码。`, 'ok');
    });

    toggle.addEventListener('click', async () => {
      notice.show(null);
      const disabling = !r.disabled;
      const ok = await confirmDialog({
        title: disabling ? `停用“${r.name}”的账号？` : `启用“${r.name}”的账号？`,
        body: disabling
          ? '停用后该推荐单位无法登录平台，已登录的会话立即退出；其名额、联系人和邀请码保留不变，可随时重新启用。'
          : '启用后该推荐单位可以用原有密码重新登录平台。',
        confirmText: disabling ? '停用' : '启用',
        danger: disabling,
      });
      if (!ok || signal.aborted) return;
      toggle.disabled = true;
      let updated;
      try {
        updated = await api('POST', `/recommenders/${r.id}/${disabling ? 'disable' : 'enable'}`, undefined, { signal });
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
      fresh.querySelector('.row-actions button:last-child')?.focus();
      notice.show(`已${disabling ? '停用' : '启用'}“${r.name}”的账号。`, 'ok');
    });
    return tr;
  }

  filterForm(form, {
    path: '/recommenders',
    read: filterValues,
    clear: { button: clear, fields: [kind, region, q] },
    onApply: (values) => { active = values; list.reload(); },
  });

  list.load();
}
