import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics } from '../../src/observability/metrics.js';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('hot-path counters (CounterCells) on /metrics', () => {
  it('a scrape shows the hot-path counts, per label combination, added to direct inc calls, and never twice', async () => {
    const m = new Metrics({ processMetrics: false });
    for (let i = 0; i < 5; i++) m.verification('issued', 'valid', 'MISS', 0.00002);
    m.verification('imported', 'VERIFICATION_ERROR_NOT_FOUND', 'SKIP', 0.00001);
    m.verifications.inc({ type: 'issued', result: 'valid' }, 2); // a direct call beside the cells
    for (let i = 0; i < 3; i++) m.httpRequestCells.inc('POST', '/v2alpha1/admin/apiKeys::verify', 200);
    m.httpRequestCells.inc('POST', '/v2alpha1/admin/apiKeys::verify', 400);

    let text = await m.text();
    assert.equal(sample(text, 'keysmith_verifications_total{type="issued",result="valid"}'), 7);
    assert.equal(sample(text, 'keysmith_verifications_total{type="imported",result="VERIFICATION_ERROR_NOT_FOUND"}'), 1);
    assert.equal(sample(text, 'keysmith_http_requests_total{method="POST",route="/v2alpha1/admin/apiKeys::verify",status="200"}'), 3);
    assert.equal(sample(text, 'keysmith_http_requests_total{method="POST",route="/v2alpha1/admin/apiKeys::verify",status="400"}'), 1);

    text = await m.text();
    assert.equal(sample(text, 'keysmith_verifications_total{type="issued",result="valid"}'), 7, 'a second scrape adds nothing');
    m.verification('issued', 'valid', 'HIT', 0.00001);
    text = await m.text();
    assert.equal(sample(text, 'keysmith_verifications_total{type="issued",result="valid"}'), 8);
  });
});
