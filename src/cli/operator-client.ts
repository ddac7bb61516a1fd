// Typed client of the operator API (/operator/v1, docs/operator-api.md): projects, their config and
// secrets, project API tokens, the audit log. Authenticated by the operator token; every call names
// its project (UUID or slug) in the path. Requests go through json-transport.ts (no retries).
import { JsonTransport, type JsonTransportOptions } from './json-transport.js';
import type {
  ConfigResponse,
  CreateProjectBody,
  CreateTokenBody,
  CreateTokenResponse,
  EnableApiKeysResponse,
  HmacSecretsResponse,
  ListAuditParams,
  ListAuditResponse,
  ListProjectsResponse,
  ListTokensResponse,
  PageParams,
  Project,
  ProjectConfig,
  RotateSigningKeyBody,
  SigningKeysResponse,
  UpdateProjectBody,
} from './operator-types.js';

export { ApiError } from './api-error.js';

const PROJECTS = '/operator/v1/projects';

export interface OperatorClientOptions extends JsonTransportOptions {
  /** The operator token (`operator_token` in the server config). */
  token?: string;
}

export class OperatorClient {
  /** Origin plus any path prefix, without a trailing slash. */
  readonly endpoint: string;
  readonly #http: JsonTransport;

  constructor(opts: OperatorClientOptions) {
    this.#http = new JsonTransport(opts);
    this.endpoint = this.#http.endpoint;
  }

  createProject(body: CreateProjectBody): Promise<Project> {
    return this.#http.request('POST', PROJECTS, body);
  }

  async listProjects(params: PageParams = {}): Promise<ListProjectsResponse> {
    const res = await this.#http.request<Partial<ListProjectsResponse> | undefined>('GET', PROJECTS + query(params));
    return { ...res, projects: res?.projects ?? [], next_page_token: res?.next_page_token ?? '' };
  }

  getProject(project: string): Promise<Project> {
    return this.#http.request('GET', projectPath(project));
  }

  updateProject(project: string, body: UpdateProjectBody): Promise<Project> {
    return this.#http.request('PATCH', projectPath(project), body);
  }

  async deleteProject(project: string): Promise<void> {
    await this.#http.request('DELETE', projectPath(project));
  }

  enableApiKeys(project: string, signingAlgorithm?: string): Promise<EnableApiKeysResponse> {
    const body = signingAlgorithm === undefined ? {} : { signing_algorithm: signingAlgorithm };
    return this.#http.request('POST', `${projectPath(project)}:enableApiKeys`, body);
  }

  getConfig(project: string): Promise<ConfigResponse> {
    return this.#http.request('GET', `${projectPath(project)}/config`);
  }

  /** `patch` is an RFC 7396 merge patch of `config`: `null` removes a field, objects merge. */
  patchConfig(project: string, patch: ProjectConfig): Promise<ConfigResponse> {
    return this.#http.request('PATCH', `${projectPath(project)}/config`, patch);
  }

  /** Without `retiredTtl` the retired secret keeps verifying until removed. */
  rotateHmacSecret(project: string, retiredTtl?: string): Promise<HmacSecretsResponse> {
    const body = retiredTtl === undefined ? {} : { retired_ttl: retiredTtl };
    return this.#http.request('POST', `${projectPath(project)}/hmacSecrets:rotate`, body);
  }

  listSigningKeys(project: string): Promise<SigningKeysResponse> {
    return this.#http.request('GET', `${projectPath(project)}/signingKeys`);
  }

  rotateSigningKey(project: string, body: RotateSigningKeyBody = {}): Promise<SigningKeysResponse> {
    return this.#http.request('POST', `${projectPath(project)}/signingKeys:rotate`, body);
  }

  createToken(project: string, body: CreateTokenBody): Promise<CreateTokenResponse> {
    return this.#http.request('POST', `${projectPath(project)}/tokens`, body);
  }

  async listTokens(project: string): Promise<ListTokensResponse> {
    const res = await this.#http.request<Partial<ListTokensResponse> | undefined>('GET', `${projectPath(project)}/tokens`);
    return { ...res, tokens: res?.tokens ?? [] };
  }

  async revokeToken(project: string, tokenId: string): Promise<void> {
    await this.#http.request('POST', `${projectPath(project)}/tokens/${segment('token_id', tokenId)}:revoke`);
  }

  async listAuditEvents(project: string, params: ListAuditParams = {}): Promise<ListAuditResponse> {
    const extra = { action: params.action, key_id: params.keyId, actor: params.actor };
    const path = `${projectPath(project)}/auditEvents${query(params, extra)}`;
    const res = await this.#http.request<Partial<ListAuditResponse> | undefined>('GET', path);
    return { ...res, audit_events: res?.audit_events ?? [], next_page_token: res?.next_page_token ?? '' };
  }
}

function projectPath(project: string): string {
  return `${PROJECTS}/${segment('project', project)}`;
}

/** One path segment, encoded: `../x` or `a:b` cannot reach another route. */
function segment(name: string, value: string): string {
  if (!value) throw new TypeError(`${name} is required`);
  return encodeURIComponent(value);
}

/** `?page_size=…&page_token=…&…` with absent and empty values left out, or `''`. */
function query(page: PageParams, extra: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  if (page.pageSize !== undefined) q.set('page_size', String(page.pageSize));
  if (page.pageToken) q.set('page_token', page.pageToken);
  for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
  const qs = q.toString();
  return qs ? `?${qs}` : '';
}
