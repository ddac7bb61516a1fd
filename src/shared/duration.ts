// Durations as the API accepts them: protobuf JSON style ("3600s", "1.5s"), Go style sequences
// ("1h30m", "90m", "250ms"), and Keysmith's calendar-ish units d = 24h, w = 7d, mo = 30d,
// y = 365d ("1y2mo"). Fixed-length units on purpose: a TTL must mean the same span whenever it
// is applied, so "mo" and "y" are not calendar months or years.
//
// Deliberately rejected: signs ("-1s", "+1s"), spaces, exponents ("1e3s"), NaN/Infinity, a bare
// number without unit (Go accepts a bare "0"; protobuf does not), and anything over 64 chars.
// Bounds are the caller's job ("0s" parses to 0); parseTtl applies the TTL bounds.

const MAX_INPUT_CHARS = 64;
const NS_PER_MS = 1_000_000n;

// Nanoseconds per unit. BigInt keeps sums exact: ten years in ns (3.15e17) is past 2^53.
const UNIT_NS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign, as Go accepts
  μs: 1_000n, // U+03BC Greek mu, as Go accepts
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
  mo: 2_592_000_000_000_000n,
  y: 31_536_000_000_000_000n,
};

// One `<number><unit>` component. Number: Go's forms "1", "1.5", "1.", ".5". "mo" and "ms" are
// listed before "m" so the longest unit wins.
const COMPONENT = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|mo|s|m|h|d|w|y)/y;

export const MIN_TTL_MS = 1000;
export const MAX_TTL_MS = 315360000 * 1000; // 10 × 365 days

/** Milliseconds (fractional when the input has sub-millisecond precision), or null if invalid. */
export function parseDuration(text: string): number | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_INPUT_CHARS) return null;
  let totalNs = 0n;
  let position = 0;
  while (position < text.length) {
    COMPONENT.lastIndex = position;
    const match = COMPONENT.exec(text);
    if (match === null) return null;
    const [whole, intDigits, fracDigits = '', unit] = match;
    if (intDigits === '' && fracDigits === '') return null; // ".s" or a bare unit
    const unitNs = UNIT_NS[unit];
    totalNs += BigInt(intDigits || '0') * unitNs;
    if (fracDigits !== '') {
      // Truncate below 1 ns, as Go does.
      totalNs += (BigInt(fracDigits) * unitNs) / 10n ** BigInt(fracDigits.length);
    }
    position += whole.length;
  }
  const wholeMs = totalNs / NS_PER_MS;
  const remainderNs = totalNs % NS_PER_MS;
  return Number(wholeMs) + Number(remainderNs) / 1e6;
}

/** Protobuf JSON style: whole or fractional seconds, trailing zeros trimmed (1500 → "1.5s"). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new RangeError('duration must be a finite number of milliseconds');
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const wholeMs = Math.trunc(abs);
  // Split before scaling so large values (years, in ms) keep integer precision.
  let seconds = Math.trunc(wholeMs / 1000);
  let nanos = (wholeMs % 1000) * 1_000_000 + Math.round((abs - wholeMs) * 1_000_000);
  if (nanos >= 1_000_000_000) {
    seconds += 1;
    nanos -= 1_000_000_000;
  }
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${sign}${seconds}${fraction}s`;
}

export type TtlResult = { ok: true; ms: number } | { ok: false; reason: string };

/** Parses a key or token TTL and applies the bounds 1s … 10y. Reasons are safe to show users. */
export function parseTtl(text: string): TtlResult {
  const ms = parseDuration(text);
  if (ms === null) {
    return { ok: false, reason: 'invalid duration syntax (examples: "3600s", "1h30m", "30d", "1y")' };
  }
  if (ms < MIN_TTL_MS) return { ok: false, reason: 'must be at least 1s' };
  if (ms > MAX_TTL_MS) return { ok: false, reason: 'must be at most 10y (315360000s)' };
  return { ok: true, ms };
}
