/** Who is calling: the project the token belongs to and the token's id (never its secret). */
export interface Principal {
  readonly projectId: string;
  readonly tokenId: string;
  readonly permissions: readonly string[];
  /** null = never expires. */
  readonly expiresAt: number | null;
}
