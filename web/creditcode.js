// 统一社会信用代码 (unified social credit code, GB 32100-2015): 18
// characters from 31 (digits and capitals without I O S V Z); the last is a
// check character computed from the first 17. The server checks the same;
// this only lets the form say so while the user types.

export const CREDIT_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
export const CREDIT_LENGTH = 18;

// What the user typed, as the server reads it: spaces dropped, upper case.
export function normalizeCreditCode(text) {
  return String(text ?? '').replace(/ /g, '').toUpperCase();
}

// The check character for 17 characters, or null when one is not of the alphabet.
export function creditCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = CREDIT_ALPHABET.indexOf(first17[i]);
    if (v < 0) return null;
    sum += v * WEIGHTS[i];
  }
  return CREDIT_ALPHABET[(31 - (sum % 31)) % 31];
}

// → null when the (normalized) code is valid, else { code, message }:
// 'empty' | 'length' | 'charset' | 'check'. `partial` (while typing): a code
// that is still short is not an error yet.
export function checkCreditCode(text, { partial = false } = {}) {
  const code = normalizeCreditCode(text);
  if (!code) return partial ? null : { code: 'empty', message: '请输入统一社会信用代码' };
  const bad = [...code].find((c) => !CREDIT_ALPHABET.includes(c));
  if (bad) {
    return { code: 'charset', message: `统一社会信用代码只含数字和大写字母（不含 I、O、S、V、Z），“${bad}”不可用` };
  }
  if (code.length < CREDIT_LENGTH) {
    return partial ? null : { code: 'length', message: `统一社会信用代码应为 18 位，现有 ${code.length} 位` };
  }
  if (code.length > CREDIT_LENGTH) {
    return { code: 'length', message: `统一社会信用代码应为 18 位，现有 ${code.length} 位` };
  }
  if (creditCheckChar(code.slice(0, 17)) !== code[17]) {
    return { code: 'check', message: '统一社会信用代码校验位不符，请逐位核对' };
  }
  return null;
}
