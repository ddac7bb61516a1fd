/** jose's strictDecoder: invalid UTF-8 is an error, not U+FFFD (two byte strings must not read the same). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses bytes as a top-level JSON object (a JWS header or a JWT claims set), or returns null when
 * they are not valid UTF-8, not JSON, or not an object (array, string, null, …).
 *
 * `__proto__` members are dropped. JSON.parse itself is safe (it defines an own property named
 * "__proto__" instead of setting the prototype), but the object is handed to the caller, whose
 * `Object.assign`, `_.merge` or `for…in` copy would turn that member into a prototype change.
 * The reviver only runs when the text could spell the name at all (directly or through a \u
 * escape), so the usual token pays one string scan, not a function call per member.
 */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> | null {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return null;
  }
  let value: unknown;
  try {
    value = text.includes('__proto__') || text.includes('\\u') ? JSON.parse(text, dropProto) : JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

// Returning undefined from a reviver deletes the member (ECMA-262 InternalizeJSONProperty).
function dropProto(this: unknown, key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value;
}
