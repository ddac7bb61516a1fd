import type { FastifyInstance } from 'fastify';
import { invalidArgument } from '../../../errors/app-error.js';
import type { SigningAlgorithm } from '../../../projects/key-material.js';
import type { SigningRotationMode } from '../../../projects/project-secrets.js';
import { parseTtl } from '../../../shared/duration.js';
import type { Clock } from '../../../shared/clock.js';
import { auditRequest, projectOf } from '../../operator.js';
import { ErrorSchema } from '../../schemas/common.js';
import {
  ConfigPatch,
  ConfigResponse,
  HmacSecretsResponse,
  ProjectRef,
  RotateHmacRequest,
  RotateSigningRequest,
  SigningKeysResponse,
} from '../../schemas/operator.js';
import { type OperatorRouteDeps, PROJECT_PATH } from './projects.js';
import { toHmacSecret } from './views.js';

const tags = ['operator: configuration'];
const errors = { default: ErrorSchema };
const security = [{ operator: [] }];

/** The project's configuration (SPEC §4) and the rotation of its HMAC secret and JWT signing keys. */
export function registerConfigRoutes(app: FastifyInstance, deps: OperatorRouteDeps & { clock: Clock }): void {
  const { projects, audit, guard, clock } = deps;

  app.get(
    `${PROJECT_PATH}/config`,
    { schema: { operationId: 'operatorGetConfig', tags, security, params: ProjectRef, response: { 200: ConfigResponse, ...errors } }, onRequest: guard },
    async (request) => ({ config: projects.settingsOf(projectOf(request)) }),
  );

  app.patch<{ Body: Record<string, unknown> }>(
    `${PROJECT_PATH}/config`,
    {
      schema: { operationId: 'operatorPatchConfig', tags, security, params: ProjectRef, body: ConfigPatch, response: { 200: ConfigResponse, ...errors } },
      onRequest: guard,
    },
    async (request) => {
      const p = projectOf(request);
      const config = await projects.patchSettings(p.id, request.body);
      await auditRequest(audit, request, p.id, { action: 'project.config.update', details: { fields: Object.keys(request.body) } });
      return { config };
    },
  );

  app.post<{ Body: { retired_ttl?: string } | undefined }>(
    `${PROJECT_PATH}/hmacSecrets::rotate`,
    {
      schema: {
        operationId: 'operatorRotateHmacSecret',
        tags,
        security,
        params: ProjectRef,
        body: RotateHmacRequest,
        response: { 200: HmacSecretsResponse, ...errors },
      },
      onRequest: guard,
    },
    async (request) => {
      const p = projectOf(request);
      let retiredExpiresAt: number | null = null;
      if (request.body?.retired_ttl !== undefined) {
        const ttl = parseTtl(request.body.retired_ttl);
        if (!ttl.ok) throw invalidArgument(`retired_ttl: ${ttl.reason}`, 'retired_ttl');
        retiredExpiresAt = clock.now() + ttl.ms;
      }
      await projects.rotateHmacSecret(p.id, retiredExpiresAt);
      await auditRequest(audit, request, p.id, { action: 'project.hmac_secret.rotate', details: { retired_ttl: request.body?.retired_ttl ?? null } });
      return { hmac_secrets: (await projects.secrets.hmacSecretInfo(p.id)).map(toHmacSecret) };
    },
  );

  const signingKeys = async (projectId: string) =>
    (await projects.secrets.publicKeys(projectId)).map((k) => ({
      kid: String(k.jwk.kid),
      alg: String(k.jwk.alg),
      state: k.state,
      create_time: new Date(k.createTime).toISOString(),
    }));

  app.get(
    `${PROJECT_PATH}/signingKeys`,
    {
      schema: { operationId: 'operatorListSigningKeys', tags, security, params: ProjectRef, response: { 200: SigningKeysResponse, ...errors } },
      onRequest: guard,
    },
    async (request) => ({ signing_keys: await signingKeys(projectOf(request).id) }),
  );

  app.post<{ Body: { mode?: SigningRotationMode; algorithm?: SigningAlgorithm } | undefined }>(
    `${PROJECT_PATH}/signingKeys::rotate`,
    {
      schema: {
        operationId: 'operatorRotateSigningKey',
        tags,
        security,
        params: ProjectRef,
        body: RotateSigningRequest,
        response: { 200: SigningKeysResponse, ...errors },
      },
      onRequest: guard,
    },
    async (request) => {
      const p = projectOf(request);
      const mode = request.body?.mode ?? 'graceful';
      // Without an explicit algorithm the new key follows the project's derived_tokens.jwt_algorithm.
      const algorithm = request.body?.algorithm ?? projects.settingsOf(p).derived_tokens.jwt_algorithm;
      const fresh = await projects.rotateSigningKey(p.id, mode, algorithm);
      await auditRequest(audit, request, p.id, { action: 'project.signing_key.rotate', details: { mode, kid: fresh.secretId, algorithm: fresh.algorithm } });
      return { signing_keys: await signingKeys(p.id) };
    },
  );
}
