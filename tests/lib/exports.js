// Downloads (CSV exports): the file name a browser saves an answer under.
import assert from 'node:assert/strict';

// Today's date in Beijing (UTC+8, no daylight saving) as YYYYMMDD, at `ms`.
export function beijingDate(ms = Date.now()) {
  return new Date(ms + 8 * 3600000).toISOString().slice(0, 10).replaceAll('-', '');
}

// Asserts that `res` is a download (Content-Disposition attachment with
// filename*=UTF-8'') named `${stem}-${beijing date}.csv`, the date read
// around the request (a request at midnight may carry either day).
export function assertExportName(res, stem) {
  const header = res.headers.get('content-disposition') ?? '';
  const m = /^attachment; filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_`|~%]+)$/.exec(header);
  assert.ok(m, `Content-Disposition: ${header}`);
  const name = decodeURIComponent(m[1]);
  const now = Date.now();
  const days = new Set([beijingDate(now - 60000), beijingDate(now)]);
  assert.ok([...days].some((d) => name === `${stem}-${d}.csv`), `${name} is ${stem}-<${[...days].join('|')}>.csv`);
  return name;
}

// The records of a CSV text (RFC 4180: quoted cells with "" for a quote,
// CRLF between records), each an array of cells.  Written apart from the
// server's writer, to read what it wrote.
export function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}
