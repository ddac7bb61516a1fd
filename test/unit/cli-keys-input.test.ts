import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyClears,
  buildKeyFields,
  buildListFilter,
  parseChoice,
  parseCsv,
  parseMetadata,
  parseRateLimit,
  REVOCATION_REASONS,
  UsageError,
} from '../../src/cli/keys-input.js';

describe('keys input parsing', () => {
  it('csv: trims and drops empties; "" is an explicit empty list', () => {
    assert.deepEqual(parseCsv(' a, b,,c '), ['a', 'b', 'c']);
    assert.deepEqual(parseCsv(''), []);
  });

  it('metadata: JSON objects only', () => {
    assert.deepEqual(parseMetadata('{"team":"x","n":1}'), { team: 'x', n: 1 });
    for (const bad of ['{bad', '[1]', '"s"', 'null', '42']) {
      assert.throws(() => parseMetadata(bad), UsageError, bad);
    }
  });

  it('rate limit: <quota>/<window>[/<unit>], quota as an int64 string', () => {
    assert.deepEqual(parseRateLimit('100/60s'), { quota: '100', window: '60s' });
    assert.deepEqual(parseRateLimit('5000/1h30m'), { quota: '5000', window: '1h30m' });
    assert.deepEqual(parseRateLimit('10/30'), { quota: '10', window: '30s' });
    assert.deepEqual(parseRateLimit('1/1d/requests'), { quota: '1', window: '1d', unit: 'requests' });
    for (const bad of ['100', '0/60s', '-1/60s', '1.5/60s', '100/', '/60s', '100/soon', '1/1s/', '1/1s/a/b']) {
      assert.throws(() => parseRateLimit(bad), UsageError, bad);
    }
  });

  it('choices: short lower-case names, any case, or the full enum value', () => {
    assert.equal(parseChoice('--reason', 'superseded', REVOCATION_REASONS), 'REVOCATION_REASON_SUPERSEDED');
    assert.equal(parseChoice('--reason', 'Key_Compromise', REVOCATION_REASONS), 'REVOCATION_REASON_KEY_COMPROMISE');
    assert.equal(parseChoice('--reason', 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN', REVOCATION_REASONS), 'REVOCATION_REASON_PRIVILEGE_WITHDRAWN');
    assert.throws(() => parseChoice('--reason', 'lost', REVOCATION_REASONS), /--reason must be one of key_compromise/);
  });

  it('list filter: AIP-160, actor value escaped', () => {
    assert.equal(buildListFilter({}), undefined);
    assert.equal(buildListFilter({ actor: 'svc-1' }), 'actor_id="svc-1"');
    assert.equal(buildListFilter({ status: 'revoked' }), 'status=KEY_STATUS_REVOKED');
    assert.equal(buildListFilter({ actor: 'a"b\\c', status: 'active' }), 'actor_id="a\\"b\\\\c" AND status=KEY_STATUS_ACTIVE');
    assert.equal(buildListFilter({ actor: '" OR 1=1 --' }), 'actor_id="\\" OR 1=1 --"');
    assert.throws(() => buildListFilter({ status: 'deleted' }), UsageError);
  });

  it('key fields: only what was given, API shapes', () => {
    assert.deepEqual(buildKeyFields({}), {});
    assert.deepEqual(buildKeyFields({ name: 'n', scopes: 'a,b', metadata: '{}', rateLimit: '1/1s', allowedCidrs: '10.0.0.0/8, ::1/128' }), {
      name: 'n',
      scopes: ['a', 'b'],
      metadata: {},
      rate_limit_policy: { quota: '1', window: '1s' },
      ip_restriction: { allowed_cidrs: ['10.0.0.0/8', '::1/128'] },
    });
  });

  it('clears: update mask = given fields then cleared ones, cleared sent empty', () => {
    const { fields, mask } = applyClears({ scopes: ['a'] }, 'rate-limit,allowed_cidrs,metadata,name,ip_restriction');
    assert.deepEqual(mask, ['scopes', 'rate_limit_policy', 'ip_restriction', 'metadata', 'name']);
    assert.deepEqual(fields, {
      scopes: ['a'],
      rate_limit_policy: null,
      ip_restriction: { allowed_cidrs: [] },
      metadata: {},
      name: '',
    });
    assert.deepEqual(applyClears({}, undefined), { fields: {}, mask: [] });
    assert.throws(() => applyClears({}, 'actor_id'), /--clear accepts/);
    assert.throws(() => applyClears({ name: 'x' }, 'name'), /cannot both set and clear name/);
  });
});
