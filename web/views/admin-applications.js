// 申报管理 (admin): every application, filtered, and 导出 CSV; see
// application-list.js.
import { renderApplicationList } from '../application-list.js';

export const title = '申报管理';

export function render(root, { signal }) {
  renderApplicationList(root, { signal, mode: 'admin' });
}
