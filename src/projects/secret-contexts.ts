/**
 * The envelope "context" (AAD) of each sealed secret: binds a ciphertext to its project, purpose and
 * id, so a sealed secret copied to another row or project fails to open.
 */
export const sealContext = (projectId: string, kind: 'hmac' | 'signing', secretId: string): string => `keysmith/v1/project/${projectId}/${kind}/${secretId}`;
