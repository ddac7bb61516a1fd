import { cacheRss1m } from './cache-rss-1m.js';
import { consoleLoad } from './console.js';
import { deriveHttp } from './derive-http.js';
import { httpBatchVerify } from './http-batch-verify.js';
import { httpVerifyCached } from './http-verify-cached.js';
import { httpVerifyP99 } from './http-verify-p99.js';
import { revocationPropagation } from './revocation-propagation.js';
import { macaroonVerify, sdkVerifyJwt } from './sdk-verify.js';
import type { Suite } from './types.js';
import { verifyCached } from './verify-cached.js';

/**
 * Every suite, in the order run.ts runs them (after its own scenarios). Order matters where a suite
 * uses a figure of an earlier one (env.facts): http-verify-p99 holds half the rate http-verify-cached found.
 */
export const SUITES: readonly Suite[] = [
  verifyCached,
  httpVerifyCached,
  httpVerifyP99,
  httpBatchVerify,
  revocationPropagation,
  cacheRss1m,
  deriveHttp,
  sdkVerifyJwt,
  macaroonVerify,
  consoleLoad,
];
