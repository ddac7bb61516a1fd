import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';

describe('log line time', () => {
  it('is the ISO 8601 UTC time of the line, to the millisecond, as pino.stdTimeFunctions.isoTime writes it', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const before = Date.now();
    createLogger('info', sink).info('hello');
    const after = Date.now();
    const { time } = JSON.parse(lines[0]) as { time: string };
    assert.match(time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const at = Date.parse(time);
    assert.ok(at >= before && at <= after, `${time} outside [${before}, ${after}]`);
  });
});
