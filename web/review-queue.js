// What a recommender's review needs beside the list (申报审核): per batch,
// the quota used and left, the recommend deadline in Beijing time with the
// time left, and how many applications wait for review; whether 推荐 is
// open at all, and why not; and the regions its filter offers (a
// provincial recommender's own only).
import { h, replace } from './dom.js';
import { api } from './api.js';
import { formatDeadline, isPast } from './format.js';
import { fillRegionSelect } from './regions.js';

const MINUTE = 60e3;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// "还剩 3 天 5 小时", "还剩 4 小时 20 分钟", "还剩 12 分钟", or "已截止",
// by this browser's clock (the server's decides; this only informs).
export function timeLeft(deadline, now = Date.now()) {
  const ms = Date.parse(deadline ?? '') - now;
  if (Number.isNaN(ms)) return '';
  if (ms <= 0) return '已截止';
  const days = Math.floor(ms / DAY);
  const hours = Math.floor((ms % DAY) / HOUR);
  const minutes = Math.floor((ms % HOUR) / MINUTE);
  if (days > 0) return `还剩 ${days} 天${hours ? ` ${hours} 小时` : ''}`;
  if (hours > 0) return `还剩 ${hours} 小时${minutes ? ` ${minutes} 分钟` : ''}`;
  return `还剩 ${Math.max(1, minutes)} 分钟`;
}

// Why no review action can be taken in `batch` now (null: they can): it is
// past its recommend stage or its recommend deadline.
export function reviewClosed(batch) {
  if (batch && batch.status !== 'open') return '批次已结束推荐阶段，不能再审核。';
  if (batch && isPast(batch.recommend_deadline)) {
    return `推荐已于 ${formatDeadline(batch.recommend_deadline)}（北京时间）截止，不能再审核。`;
  }
  return null;
}

// Why 推荐 cannot be used now (null: it can): the review is closed, or
// the quota is used up.
export function recommendBlocked(batch, quota) {
  const closed = reviewClosed(batch);
  if (closed) return closed;
  if (!quota) return '本批次未下达推荐名额，不能推荐。';
  if (quota.used >= quota.quota) return `名额已用完：${quota.used}/${quota.quota}。撤回一项推荐可释放名额。`;
  return null;
}

// One line of the queue's head for `batch` and the recommender's quota row.
export function quotaLine(batch, quota) {
  const pendingHref = `/review?batch_id=${batch.id}&status=submitted`;
  const closed = batch.status !== 'open' || isPast(batch.recommend_deadline);
  return h('li', { class: 'quota-line', id: `quota-${batch.id}`, dataset: { batch: String(batch.id) } },
    h('span', { class: 'quota-batch' }, batch.title),
    quota
      ? h('span', { class: 'quota-count' },
        '已推荐 ', h('strong', null, String(quota.used)), ' / 名额 ', h('strong', null, String(quota.quota)),
        h('span', { class: quota.used >= quota.quota ? 'quota-left quota-none' : 'quota-left' },
          quota.used >= quota.quota ? '（名额已用完）' : `（还可推荐 ${quota.quota - quota.used} 项）`))
      : h('span', { class: 'muted' }, '未下达推荐名额'),
    quota && h('span', { class: 'quota-pending' },
      h('a', { href: pendingHref, dataset: { link: '' } }, '待审 ', h('strong', null, String(quota.pending ?? 0)), ' 项')),
    h('span', { class: 'quota-deadline' }, '推荐截止 ',
      h('time', { datetime: batch.recommend_deadline }, formatDeadline(batch.recommend_deadline)),
      '（北京时间）',
      h('span', { class: closed ? 'quota-time quota-none' : 'quota-time' },
        batch.status !== 'open' ? '推荐阶段已结束' : timeLeft(batch.recommend_deadline))));
}

// Fills the region filter of `user`'s review list: a provincial
// recommender gets its own region only (its units are there); any other
// recommender every region.
export async function fillReviewRegions(select, user, { selected = '', signal } = {}) {
  let me = null;
  if (user?.role === 'recommender' && user.org_id) {
    me = await api('GET', `/recommenders/${user.org_id}`, undefined, { signal }).catch(() => null);
  }
  if (me?.kind !== 'provincial_cast' || !me.region) return fillRegionSelect(select, { empty: '全部', selected });
  replace(select, h('option', { value: '' }, '全部'),
    h('option', { value: me.region, selected: me.region === selected }, me.region));
  return [{ name: me.region }];
}
