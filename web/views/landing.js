// Landing page (public): what the platform is for, the steps of a batch,
// categories, the roles, and the service status (GET /readyz).
import { h, replace } from '../dom.js';
import { api, ApiError } from '../api.js';

export const title = '全国科普教育基地创建与认定平台';

const STEPS = [
  ['名额下达', '中国科协开启认定批次，设定各环节截止时间，向各推荐单位下达推荐名额。'],
  ['联系人报送', '推荐单位在规定时间内报送联系人信息，领取推荐单位管理账号。'],
  ['申报邀请码', '推荐单位生成申报邀请码，发送给拟申报的单位；每个邀请码只能使用一次。'],
  ['单位申报', '申报单位凭邀请码注册，填写申报表、上传申报材料，提交给推荐单位。'],
  ['推荐单位审核推荐', '推荐单位在截止日期前审核申报，在名额内出具推荐意见；逾期未报，按自愿放弃办理。'],
  ['初评', '中国科协审核申报材料的完整性和申报条件。'],
  ['实地抽检', '对通过初评的申报按可复现的随机抽样开展实地核查。'],
  ['终评', '认定专家委员会按评分细则评审，评审专家回避利益冲突，形成建议名单。'],
  ['公示', '建议名单向社会公示，公众可在公示期内实名提出异议。'],
  ['认定命名', '公示期满、异议处理完毕后发布认定命名决定，颁发证书和牌匾。'],
  ['年度报告与终期考核', '基地每年报送年度科普工作报告，任期届满接受终期考核，考核结果关系下一批次认定。'],
];

const CATEGORIES = [
  ['科技场馆类', '科技馆、博物馆、天文馆等面向公众开放的科普场馆。'],
  ['教育科研与重大工程类', '高等院校、科研院所、重大科技工程与科研设施等。'],
  ['“三农”类', '面向农业、农村、农民开展科普的园区、站点和机构。'],
  ['企业类', '向公众开放科普资源、开展科普活动的企业。'],
  ['自然资源类', '自然保护地、地质公园、森林公园等自然资源场所。'],
  ['其他类', '不属于以上类别、开展科普工作的单位和场所。'],
];

const ROLES = [
  ['中国科协', '开启批次、下达名额，组织初评、实地抽检和终评，发布公示，认定命名，开展年度评估和终期考核。'],
  ['推荐单位', '全民科学素质纲要实施工作办公室成员单位、全国学会（协会、研究会）、省级科协（含新疆生产建设兵团科协）：发放申报邀请码，审核申报并在名额内推荐。'],
  ['申报单位', '法人单位及其所属机构：凭邀请码注册，每一批次只通过一个推荐单位申报。'],
  ['认定专家委员会', '对分配的申报进行终评打分；与申报存在利益冲突的专家回避。'],
  ['社会公众', '查阅公示名单，实名提出异议；查询已命名的基地，核验证书真伪。'],
];

const READY_TIMEOUT_MS = 10000;

export function render(root, { signal }) {
  const status = h('span', { class: 'status-text' });
  const indicator = h('span', { class: 'status-dot', 'aria-hidden': 'true' });
  const statusLine = h('p', { class: 'service-status', role: 'status', 'aria-live': 'polite' },
    h('span', { class: 'status-label' }, '服务状态：'), indicator, status);
  const retry = h('button', { type: 'button', class: 'button-link', hidden: true }, '重新检测');

  replace(root,
    h('section', { class: 'hero', 'aria-labelledby': 'home-title' },
      h('p', { class: 'eyebrow' }, '中国科学技术协会'),
      h('h1', { id: 'home-title' }, '全国科普教育基地创建与认定平台'),
      h('p', { class: 'lead' },
        '全国科普教育基地由中国科学技术协会（中国科协）组织认定。本平台承载认定批次的全过程：',
        '中国科协下达推荐名额、开通推荐单位账号；推荐单位向申报单位发放申报邀请码，',
        '审核申报并在名额内推荐；申报单位在线填写申报表、提交材料；',
        '认定专家委员会开展终评；经公示和认定命名的基地在任期内报送年度报告并接受考核。'),
      h('div', { class: 'hero-actions' },
        h('a', { class: 'button', href: '/register', dataset: { link: '' } }, '申报单位注册'),
        h('p', { class: 'muted' }, '拟申报的单位凭推荐单位发放的申报邀请码注册账号，注册后即可在线填写申报。'))),

    h('section', { class: 'section', 'aria-labelledby': 'steps-title' },
      h('h2', { id: 'steps-title' }, '认定流程'),
      h('p', { class: 'section-intro' }, '每个认定批次依次经过以下环节。'),
      h('ol', { class: 'timeline' },
        STEPS.map(([name, text], i) => h('li', { class: 'timeline-item' },
          h('span', { class: 'timeline-num', 'aria-hidden': 'true' }, String(i + 1)),
          h('div', { class: 'timeline-body' },
            h('h3', null, name),
            h('p', null, text)))))),

    h('section', { class: 'section', 'aria-labelledby': 'categories-title' },
      h('h2', { id: 'categories-title' }, '基地类别'),
      h('ul', { class: 'cards' },
        CATEGORIES.map(([name, text]) => h('li', { class: 'card' },
          h('h3', null, name),
          h('p', null, text))))),

    h('section', { class: 'section', 'aria-labelledby': 'roles-title' },
      h('h2', { id: 'roles-title' }, '参与角色'),
      h('dl', { class: 'roles' },
        ROLES.map(([name, text]) => h('div', { class: 'role' },
          h('dt', null, name),
          h('dd', null, text))))),

    h('footer', { class: 'home-footer' },
      h('p', { class: 'footer-name' }, '全国科普教育基地创建与认定平台'),
      h('div', { class: 'status-row' }, statusLine, retry)));

  const show = (state, text) => {
    statusLine.dataset.state = state;
    status.textContent = text;
    retry.hidden = state !== 'error';
  };

  const check = async () => {
    show('loading', '正在检测…');
    const ctl = new AbortController();
    const onAbort = () => ctl.abort();
    signal.addEventListener('abort', onAbort);
    const timer = setTimeout(() => ctl.abort(), READY_TIMEOUT_MS);
    try {
      await api('GET', '/readyz', undefined, { base: '', signal: ctl.signal });
      show('ok', '服务正常');
    } catch (err) {
      if (signal.aborted) return; // the user left the page
      if (!(err instanceof ApiError)) show('error', '无法连接服务器'); // timeout
      else if (err.status === 503) show('error', err.detail || '数据库暂不可用');
      else show('error', `服务异常：${err.message}`);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  };
  retry.addEventListener('click', check);
  check();
}
