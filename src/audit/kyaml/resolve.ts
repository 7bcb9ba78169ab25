/**
 * Plain-scalar resolution as kube-apiserver's YAML reader does it: sigs.k8s.io/yaml
 * converts YAML to JSON through go-yaml v2, which follows YAML 1.1. So `yes`, `no`,
 * `on`, `off`, `y` and `n` are booleans, `0x1F` and `017` are integers, `1_000` is
 * 1000, and a timestamp stays a string. A quoted or block scalar is always a string.
 */

export type ScalarValue = string | number | boolean | null;
export type ScalarKind = 'str' | 'int' | 'float' | 'bool' | 'null';

export interface ResolvedScalar {
  kind: ScalarKind;
  value: ScalarValue;
}

const BOOLEANS = new Map<string, boolean>();
for (const word of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']) BOOLEANS.set(word, true);
for (const word of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']) BOOLEANS.set(word, false);
const NULLS = new Set(['', '~', 'null', 'Null', 'NULL']);
const SPECIAL_FLOATS = new Map<string, number>([
  ['.nan', NaN], ['.NaN', NaN], ['.NAN', NaN],
  ['.inf', Infinity], ['.Inf', Infinity], ['.INF', Infinity],
  ['+.inf', Infinity], ['+.Inf', Infinity], ['+.INF', Infinity],
  ['-.inf', -Infinity], ['-.Inf', -Infinity], ['-.INF', -Infinity],
]);
/** go-yaml v2's yamlStyleFloat. */
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
/** What Go's strconv.ParseFloat accepts in decimal form, which is all a leading '.' can start. */
const GO_DECIMAL_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

export function resolvePlainScalar(text: string): ResolvedScalar {
  const first = text === '' ? '' : text[0];
  if (NULLS.has(text)) return { kind: 'null', value: null };
  const bool = BOOLEANS.get(text);
  if (bool !== undefined) return { kind: 'bool', value: bool };
  const special = SPECIAL_FLOATS.get(text);
  if (special !== undefined) return { kind: 'float', value: special };
  if (first === '.') {
    return GO_DECIMAL_FLOAT.test(text) ? { kind: 'float', value: Number(text) } : { kind: 'str', value: text };
  }
  if (first === '+' || first === '-' || (first >= '0' && first <= '9')) {
    const plain = text.replace(/_/g, '');
    const int = parseGoInt(plain);
    if (int !== null) return { kind: 'int', value: int };
    if (YAML_STYLE_FLOAT.test(plain)) return { kind: 'float', value: Number(plain) };
    const binary = /^([-+]?)0b([01]+)$/.exec(plain);
    if (binary) return { kind: 'int', value: (binary[1] === '-' ? -1 : 1) * parseInt(binary[2], 2) };
  }
  return { kind: 'str', value: text };
}

/**
 * strconv.ParseInt(s, 0, 64) and ParseUint's syntax: optional sign, then 0x/0X hex,
 * 0o/0O or a leading 0 octal, 0b/0B binary, or decimal. Values past 2^53 lose
 * precision here, which matters to no field of a policy.
 */
function parseGoInt(s: string): number | null {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return null;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2];
  let value: number;
  if (/^0[xX]/.test(body)) value = parseInt(body.slice(2), 16);
  else if (/^0[oO]/.test(body)) value = parseInt(body.slice(2), 8);
  else if (/^0[bB]/.test(body)) value = parseInt(body.slice(2), 2);
  else if (body.length > 1 && body[0] === '0') value = parseInt(body.slice(1), 8);
  else value = parseInt(body, 10);
  if (value > 18446744073709551615) return null;
  return sign * value;
}

/**
 * How sigs.k8s.io/yaml turns a non-string mapping key into a JSON object key:
 * decimal integers, Go's shortest float32 formatting, true/false.
 * Returns null for keys it refuses (null keys).
 */
export function jsonKeyFor(resolved: ResolvedScalar): string | null {
  switch (resolved.kind) {
    case 'str':
      return resolved.value as string;
    case 'bool':
      return resolved.value ? 'true' : 'false';
    case 'int':
      return String(resolved.value);
    case 'float': {
      const v = resolved.value as number;
      if (Number.isNaN(v)) return '.nan';
      if (v === Infinity) return '.inf';
      if (v === -Infinity) return '-.inf';
      return formatFloat32(v);
    }
    case 'null':
      return null;
  }
}

function formatFloat32(v: number): string {
  const f = Math.fround(v);
  // Shortest representation that round-trips through float32, in Go's 'g' style.
  for (let digits = 1; digits <= 9; digits++) {
    const s = f.toPrecision(digits);
    if (Math.fround(Number(s)) === f) return goGFormat(Number(s), digits);
  }
  return String(f);
}

function goGFormat(v: number, digits: number): string {
  const exp = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(v)));
  if (exp < -4 || exp >= Math.max(digits, 21)) {
    const [mant, e] = v.toExponential(digits - 1).split('e');
    const n = Number(e);
    const mantissa = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    return `${mantissa}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(v);
}
