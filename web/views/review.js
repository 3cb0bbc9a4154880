// 申报审核 (recommender): the applications bound to this unit, with its
// quota per batch; see application-list.js.
import { renderApplicationList } from '../application-list.js';

export const title = '申报审核';

export function render(root, { signal, user }) {
  renderApplicationList(root, { signal, mode: 'review', user });
}
