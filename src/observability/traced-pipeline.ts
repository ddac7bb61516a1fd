import type { Span } from '@opentelemetry/api';
import type { VerifyPipeline } from '../verify/pipeline.js';
import type { VerifyOutcome } from '../verify/verify-result.js';
import type { Tracing } from './tracing.js';

/**
 * Spans around the verify pipeline, applied by the composition root only when tracing is on (the
 * untraced pipeline is left exactly as it is: no branch, no closure per request when off):
 * - `verify` (one credential), `verify.batch` (batch verify), `verify.parent` (derive and self-revoke
 *   checking their parent key), each with the outcome's bounded attributes;
 * - their store reads appear as child spans (`store.getById`, …) from the store wrapper.
 *
 * Security: attributes are the credential type, result code and cache outcome only — never the
 * credential, a key id, key material or the client address.
 */
export function tracePipeline(pipeline: VerifyPipeline, tracing: Tracing): void {
  const verify = pipeline.verify.bind(pipeline);
  const verifyBatch = pipeline.verifyBatch.bind(pipeline);
  const loadParent = pipeline.loadParent.bind(pipeline);
  // Rest parameters: the wrapper follows any change of the pipeline's signatures.
  pipeline.verify = (...args: Parameters<VerifyPipeline['verify']>) => tracing.run('verify', undefined, async (span) => described(span, await verify(...args)));
  pipeline.loadParent = (...args: Parameters<VerifyPipeline['loadParent']>) =>
    tracing.run('verify.parent', undefined, async (span) => described(span, await loadParent(...args)));
  pipeline.verifyBatch = (...args: Parameters<VerifyPipeline['verifyBatch']>) =>
    tracing.run('verify.batch', undefined, async (span) => {
      const outcomes = await verifyBatch(...args);
      span.setAttribute('keysmith.batch.size', outcomes.length);
      span.setAttribute('keysmith.batch.valid', outcomes.filter((o) => o.valid).length);
      return outcomes;
    });
}

function described(span: Span, o: VerifyOutcome): VerifyOutcome {
  span.setAttributes({
    'keysmith.credential.type': o.type,
    'keysmith.verify.result': o.valid ? 'valid' : (o.error ?? 'invalid'),
    'keysmith.cache': o.cache ?? 'SKIP',
  });
  return o;
}
