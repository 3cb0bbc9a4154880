// The 32 province-level regions (GET /regions, public), fetched once per
// page load and shared by every form that offers them.
import { listAll } from './api.js';
import { h, replace } from './dom.js';

let cached = null;

// → [{ code, name }] in GB/T 2260 order. A failure is not cached.
export function loadRegions() {
  cached ??= listAll('/regions', {}, { limit: 50 }).catch((err) => { cached = null; throw err; });
  return cached;
}

// Fills a <select> with the regions after a first option (`empty`:
// '请选择' or '全部'), selecting `selected` (a name). → the regions.
export async function fillRegionSelect(select, { empty = '请选择', selected = '' } = {}) {
  replace(select, h('option', { value: '' }, '正在加载地区…'));
  select.disabled = true;
  try {
    const regions = await loadRegions();
    replace(select, h('option', { value: '' }, empty),
      regions.map((r) => h('option', { value: r.name, selected: r.name === selected }, r.name)));
    return regions;
  } catch (err) {
    replace(select, h('option', { value: '' }, '地区加载失败，请刷新页面重试'));
    throw err;
  } finally {
    select.disabled = false;
  }
}
