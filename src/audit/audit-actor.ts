import type { Principal } from '../tenancy/principal.js';

/** The `actor` of an audit event: a token id (never its secret), the operator, the key holder, the server. */
export const tokenActor = (p: Pick<Principal, 'tokenId'>): string => `token:${p.tokenId}`;
export const OPERATOR_ACTOR = 'operator';
export const SELF_ACTOR = 'self';
export const SYSTEM_ACTOR = 'system';
