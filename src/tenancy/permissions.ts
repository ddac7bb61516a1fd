/**
 * Project API token permissions. `admin` implies everything; `read` lists and gets keys; `verify` is for
 * gateways (verify, batch verify, derive). A route names the one permission it needs.
 */
export type Permission = 'admin' | 'read' | 'verify';
export const PERMISSIONS: readonly Permission[] = ['admin', 'read', 'verify'];

export function allows(granted: readonly string[], needed: Permission): boolean {
  return granted.includes('admin') || granted.includes(needed);
}
