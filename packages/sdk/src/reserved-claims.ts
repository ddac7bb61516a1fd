/**
 * Claim names Keysmith seals into derived tokens (SPEC §1): a caller's custom claims may never set them
 * (the server strips them at derive), and a macaroon holder may not constrain them with `name = value`.
 * One list for the server and the SDK.
 */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'jti',
  'sub',
  'iss',
  'aud',
  'iat',
  'exp',
  'nbf',
  'nid',
  'akid',
  'pid',
  'tty',
  'oid',
  'scp',
  'scope',
  'meta',
  'vis',
  'acl',
  'act',
]);
