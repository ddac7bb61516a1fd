import { sha512_256Hex } from '../crypto/hashes.js';

/** SHA-512/256(project_id ‖ 0x00 ‖ raw key), hex: the stored form of an imported key (SPEC §1). */
export const importedKeyHash = (projectId: string, raw: string): string => sha512_256Hex(projectId, Buffer.of(0), raw);
