import test from 'ava';
import { duration, failedLine, progressText } from '../src/cli/run-progress.js';
import { oneLineReason } from '../src/errors.js';

test('progressText: before any group finishes there is no rate and no ETA (never "ETA 0s")', (t) => {
  t.is(progressText({ finished: 0, total: 40, failed: 0, elapsedMs: 0 }), '0% 0/40 groups | 0s');
  t.is(progressText({ finished: 0, total: 40, failed: 0, elapsedMs: 5000 }), '0% 0/40 groups | 5s');
});

test('progressText: percent, elapsed, rate and an ETA from the rate so far, then the failures', (t) => {
  t.is(progressText({ finished: 10, total: 40, failed: 0, elapsedMs: 20_000 }), '25% 10/40 groups | 20s | 0.50 groups/s | ETA 1m 00s');
  t.is(progressText({ finished: 30, total: 40, failed: 2, elapsedMs: 10_000 }), '75% 30/40 groups | 10s | 3.0 groups/s | ETA 3s | 2 failed');
  t.is(progressText({ finished: 40, total: 40, failed: 1, elapsedMs: 2_000 }), '100% 40/40 groups | 2s | 20 groups/s | 1 failed');
});

test('duration: seconds, minutes, hours', (t) => {
  t.deepEqual([duration(0.4), duration(59), duration(61), duration(3599), duration(7380)], ['0s', '59s', '1m 01s', '59m 59s', '2h 03m']);
});

test('failedLine names the group, its files and the reason', (t) => {
  t.is(failedLine({ groupId: '0002-ab', files: ['a.jpg', 'b.png'], error: { name: 'InputError', message: 'a.jpg: empty file (0 bytes)' } }), 'failed 0002-ab (a.jpg, b.png): a.jpg: empty file (0 bytes)');
});

test('oneLineReason: libvips repetitions go, the first sentence and what follows a closing parenthesis stay', (t) => {
  const vips = 'a.jpg: corrupt or truncated image data (Input file has corrupt header: VipsJpeg: premature end of JPEG image\nVipsJpeg: JPEG datastream contains no image\nVipsJpeg: premature end of JPEG image)';
  t.is(oneLineReason(vips), 'a.jpg: corrupt or truncated image data (Input file has corrupt header: VipsJpeg: premature end of JPEG image)');
  t.is(oneLineReason(`${vips}; b.jpg: empty file (0 bytes)`), 'a.jpg: corrupt or truncated image data (Input file has corrupt header: VipsJpeg: premature end of JPEG image); b.jpg: empty file (0 bytes)');
  t.is(oneLineReason('first line:\nsecond line'), 'first line');
  t.is(oneLineReason('one line (as it was)'), 'one line (as it was)');
});

test('terminalProgress: a failed group\'s line is wrapped to the terminal\'s width, its reason kept whole (the bar turns the terminal\'s own wrapping off)', async (t) => {
  const { PassThrough } = await import('node:stream');
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 40 });
  let written = '';
  stream.on('data', (chunk: Buffer) => { written += chunk.toString(); });
  const { terminalProgress } = await import('../src/cli/run-progress.js');
  const bar = await terminalProgress(stream as unknown as NodeJS.WriteStream);
  bar.start(2);
  const reason = 'a.jpg: corrupt or truncated image data (Input file has corrupt header: VipsJpeg: premature end of JPEG image)';
  bar.group({ groupId: '0001-ab', files: ['a.jpg', 'b.jpg'], status: 'failed', error: { name: 'InputError', message: reason } } as never, 1);
  bar.stop();
  // the text as the terminal shows it: escape sequences out, each line as written
  const shown = written.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').split(/\r|\n/).filter((l) => l.trim() && !l.includes('groups'));
  t.true(shown.length >= 3, shown.join('\n'));
  for (const l of shown) t.true(l.length <= 40, `${l.length}: ${l}`);
  t.is(shown.map((l) => l.trim()).join(' '), `failed 0001-ab (a.jpg, b.jpg): ${reason}`);
});

test('wrapText: at spaces, at most the width, later lines indented', async (t) => {
  const { wrapText } = await import('../src/cli/run-progress.js');
  t.deepEqual(wrapText('one two three four five six', 12), ['one two', '  three four', '  five six']);
  t.deepEqual(wrapText('short', 12), ['short']);
  t.deepEqual(wrapText('x'.repeat(25), 10), ['x'.repeat(10), `  ${'x'.repeat(8)}`, `  ${'x'.repeat(7)}`]);
});
