import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { type BlockSink, LineBlocks } from '../../src/observability/line-blocks.js';

class RecordingSink implements BlockSink {
  writes: string[] = [];
  flushes = 0;
  syncFlushes = 0;
  destroyed = false;
  write(data: string): boolean {
    this.writes.push(data);
    return true;
  }
  flush(cb?: (err?: Error) => void): void {
    this.flushes++;
    cb?.();
  }
  flushSync(): void {
    this.syncFlushes++;
  }
}

describe('LineBlocks', () => {
  it('gathers lines into one write per block, same bytes in the same order', () => {
    const sink = new RecordingSink();
    const b = new LineBlocks(sink, 100, (block) => sink.writes.push(block));
    const lines = Array.from({ length: 25 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(20)}"}\n`);
    for (const l of lines) b.write(l);
    assert.ok(sink.writes.length >= 5 && sink.writes.length <= 8, `one write per ~100 chars, got ${sink.writes.length}`);
    for (const w of sink.writes) assert.ok(w.length >= 100, 'no write below the block size');
    b.flushSync();
    assert.equal(sink.writes.join(''), lines.join(''));
    assert.equal(sink.syncFlushes, 1);
  });

  it('flush hands over a partial block and flushes the sink; nothing is written twice', () => {
    const sink = new RecordingSink();
    const b = new LineBlocks(sink, 4096, (block) => sink.writes.push(block));
    b.write('a\n');
    b.write('b\n');
    assert.deepEqual(sink.writes, [], 'held below the block size');
    let called = false;
    b.flush(() => {
      called = true;
    });
    assert.ok(called);
    assert.deepEqual(sink.writes, ['a\nb\n']);
    b.flush();
    assert.deepEqual(sink.writes, ['a\nb\n']);
    assert.equal(sink.flushes, 2);
  });

  it('writes nothing to a destroyed sink and still calls back', () => {
    const sink = new RecordingSink();
    const b = new LineBlocks(sink, 4096, (block) => sink.writes.push(block));
    b.write('late\n');
    sink.destroyed = true;
    let called = false;
    b.flush(() => {
      called = true;
    });
    assert.ok(called);
    assert.doesNotThrow(() => b.flushSync());
    assert.deepEqual(sink.writes, []);
  });

  it("a process's last lines reach stdout at exit (the server's logger, below the block size)", () => {
    const script = `
      import { createLogger } from './src/observability/logger.ts';
      const log = createLogger('info');
      log.info({ n: 1 }, 'first');
      log.info({ n: 2 }, 'last');
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const msgs = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).msg);
    assert.deepEqual(msgs, ['first', 'last']);
  });
});
