import { Type, type Static } from 'typebox';

/**
 * The server configuration: the single source for defaults, validation, the env-override names
 * (KEYSMITH_<PATH>, dots → underscores, upper case) and docs/config.md.
 */
const Duration = (def: string, description: string) => Type.String({ default: def, description, pattern: '^[0-9a-zµ.]+$' });

export const ProjectDefaultsSchema = Type.Object(
  {
    key_prefix: Type.String({ default: 'ks_ak', pattern: '^[a-zA-Z0-9_]{1,16}$', description: 'Prefix of secret issued keys.' }),
    public_key_prefix: Type.String({ default: 'ks_pk', pattern: '^[a-zA-Z0-9_]{1,16}$', description: 'Prefix of public-visibility issued keys.' }),
    default_ttl: Duration('90d', 'TTL of a key issued without one.'),
    max_ttl: Duration('365d', 'Longest TTL a key may have; also the oldest key timestamp that verifies.'),
    derived_token_ttl: Duration('1h', 'Default TTL of derived tokens.'),
    clock_skew: Duration('5m', 'Tolerance for timestamps in the future (max 10m).'),
    issuer: Type.String({ default: 'http://localhost:4420', minLength: 1, maxLength: 512, description: 'iss of derived tokens and of verify responses.' }),
    macaroon_prefix: Type.String({ default: 'mc', pattern: '^[a-zA-Z0-9_]{1,8}$', description: 'Prefix of derived macaroons.' }),
  },
  { additionalProperties: false, default: {} },
);

export const PlanSchema = Type.Object(
  {
    max_active_keys: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Max non-revoked keys (issued + imported); null = unlimited.' }),
    caching: Type.Boolean({ description: 'Response caching of verify may be enabled.' }),
    rate_limiting: Type.Boolean({ description: 'Per-key rate-limit policies are enforced.' }),
  },
  { additionalProperties: false },
);

export const DEFAULT_PLANS = {
  free: { max_active_keys: 100, caching: false, rate_limiting: false },
  developer: { max_active_keys: 10_000, caching: true, rate_limiting: true },
  production: { max_active_keys: 1_000_000, caching: true, rate_limiting: true },
  custom: { max_active_keys: null, caching: true, rate_limiting: true },
};

export const ConfigSchema = Type.Object(
  {
    operator_token: Type.String({
      default: '',
      description: 'Bearer token of the operator API (/operator/v1, ≥ 32 characters); empty disables the operator API.',
    }),
    plans: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' }), PlanSchema, {
      default: DEFAULT_PLANS,
      description: 'Plan catalogue: name → limits. A project names one plan.',
    }),
    audit: Type.Object(
      {
        retention: Type.String({ default: '90d', description: 'Audit events older than this are purged (hourly).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    data_dir: Type.String({ default: './data', minLength: 1, description: 'Directory of the embedded database and the generated master key.' }),
    admin_token: Type.String({ default: '', description: "On first start, the default project's admin token (≥ 32 characters) instead of a random one." }),
    serve: Type.Object(
      {
        http: Type.Object(
          {
            host: Type.String({ default: '0.0.0.0', minLength: 1 }),
            port: Type.Integer({ default: 4420, minimum: 0, maximum: 65535 }),
            body_limit: Type.Integer({ default: 1048576, minimum: 1024, maximum: 16777216, description: 'Largest accepted request body in bytes.' }),
            verify_lane: Type.Boolean({
              default: true,
              description:
                'Read plain apiKeys:verify connections without node:http (src/http/verify/verify-lane.ts); a connection is handed to node:http at its first other request. false: node:http reads every connection.',
            }),
            base_domain: Type.String({
              default: '',
              description: 'Public endpoints resolve <project-slug>.<base_domain> to that project (e.g. keys.example.com).',
            }),
            trust_forwarded_host: Type.Boolean({ default: false, description: 'Use X-Forwarded-Host instead of Host for the tenant of public endpoints.' }),
          },
          { additionalProperties: false, default: {} },
        ),
        metrics: Type.Object(
          {
            host: Type.String({ default: '0.0.0.0', minLength: 1 }),
            port: Type.Integer({ default: 4422, minimum: 0, maximum: 65535 }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    cache: Type.Object(
      {
        max_entries: Type.Integer({
          default: 100_000,
          minimum: 1,
          maximum: 10_000_000,
          description: 'Verify cache size per node (key records, LRU). Caching itself is a per-project setting (cache.enabled) gated by the plan.',
        }),
        filter_max_bytes: Type.Integer({
          default: 67_108_864,
          minimum: 0,
          maximum: 4_294_967_296,
          description:
            'Negative cache per node: memory for the per-project filters of imported-key hashes (~1.3 MB per million imported keys; least recently used projects are dropped first). Unknown imported keys are then NOT_FOUND without a database query. 0 disables it. Only used where changes are pushed (PostgreSQL, Redis, SQLite); see ADR 0009.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    db: Type.Object(
      {
        dsn: Type.String({ default: '', description: 'sqlite://<file>, postgres://…, mysql://…; empty = sqlite://<data_dir>/keysmith.db' }),
        auto_migrate: Type.Union([Type.Boolean(), Type.Null()], {
          default: null,
          description: 'Apply pending migrations at start. Unset: yes for SQLite, no for server databases.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    secrets: Type.Object(
      {
        master_key: Type.String({ default: '', description: 'Envelope key for secrets at rest: 32 bytes as hex or base64.' }),
        master_key_file: Type.String({ default: '', description: 'File holding the master key (alternative to master_key).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    projects: Type.Object(
      {
        default_slug: Type.String({ default: 'default', pattern: '^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$' }),
        default_plan: Type.String({ default: 'custom', description: 'Plan of a project created without one (including the default project at first start).' }),
        defaults: ProjectDefaultsSchema,
      },
      { additionalProperties: false, default: {} },
    ),
    redis: Type.Object(
      {
        url: Type.String({
          default: '',
          description:
            'redis://host:port/db shared by all nodes: rate-limit state (one GCRA Lua script) and cache invalidation (pub/sub). Empty = rate limits in-process per node, invalidation over the database.',
        }),
        key_prefix: Type.String({
          default: 'keysmith:',
          maxLength: 64,
          description: 'Prefix of every Redis key and channel (several deployments can share one Redis).',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    tracing: Type.Object(
      {
        enabled: Type.Boolean({
          default: false,
          description: 'OpenTelemetry spans for the verify pipeline and store calls (the SDK is loaded only when true).',
        }),
        otlp_endpoint: Type.String({
          default: '',
          description: 'OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces; empty = OTEL_EXPORTER_OTLP_* environment or the SDK default.',
        }),
        service_name: Type.String({ default: 'keysmith', minLength: 1, maxLength: 128 }),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')], {
          default: 'info',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export type Config = Static<typeof ConfigSchema>;
export type ProjectDefaults = Static<typeof ProjectDefaultsSchema>;
export type Plan = Static<typeof PlanSchema>;
