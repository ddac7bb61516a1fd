import { sha256Hex, sha512_256Hex } from '../crypto/hashes.js';

/** SHA-512/256(project_id ‖ 0x00 ‖ raw key), hex: the stored form of an imported key (SPEC §1). */
export const importedKeyHash = (projectId: string, raw: string): string => sha512_256Hex(projectId, Buffer.of(0), raw);

/**
 * Plain SHA-256(raw key), hex: the form of keys imported from another system's digests. Not bound to
 * the project; a record keeps it only until its first successful verification re-hashes it.
 */
export const legacyKeyHash = (raw: string): string => sha256Hex(raw);
