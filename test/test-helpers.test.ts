/**
 * The test helpers a busy machine leans on: a wait that fails with its own
 * message at its deadline, and a test process that leaves no child process
 * and no temporary folder behind however it ends.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { watchChild } from './helpers/child-output.js';
import { ROOT } from './helpers/paths.js';
import { until } from './helpers/redis.js';

test('until: a state never reached fails at the deadline, naming what it waited for and what it saw', async (t) => {
  const started = Date.now();
  const err = await t.throwsAsync(until('the moon to be blue', () => false, { deadlineMs: 200, seen: () => 'grey' }));
  t.is(err?.message, 'waited 0 s for the moon to be blue, in vain; seen instead: "grey"');
  t.true(Date.now() - started < 5000);
  t.is(await until('a count of at least 3', (() => { let n = 0; return () => (++n >= 3 ? n : false); })(), { everyMs: 1 }), 3);
});

test('waitForLine: a line a running child never prints fails the wait at its deadline, naming it and the child\'s last lines; one it prints resolves', async (t) => {
  const child = spawn(process.execPath, ['-e', 'console.log("hello"); setInterval(() => {}, 1000)'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const watched = watchChild(child);
  t.teardown(() => { child.kill('SIGKILL'); });
  t.is(await watched.waitForLine('hello', (l) => l === 'hello'), 'hello');
  const err = await t.throwsAsync(watched.waitForLine('goodbye', (l) => l === 'goodbye', 1, 300));
  t.is(err?.message, 'waited 0 s for goodbye, in vain; the child still runs; stderr: (empty); last stdout lines: hello');
  t.is(child.exitCode, null, 'the child was left running: the wait only gave up');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const how of ['exit', 'SIGTERM'] as const) {
  test(`a test process that ends by ${how === 'exit' ? 'exiting' : 'SIGTERM (as ava stops a file that timed out)'} kills the processes it started and removes its temporary folders`, async (t) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'test', 'helpers', 'reaper-child.js'), how === 'exit' ? 'exit' : 'wait'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const watched = watchChild(child);
    const { dir, pid } = JSON.parse(await watched.waitForLine('the child\'s folder and process', (l) => l.startsWith('{'))) as { dir: string; pid: number };
    t.true(existsSync(dir));
    if (how === 'SIGTERM') child.kill('SIGTERM');
    const code = await watched.exited;
    t.is(code, how === 'exit' ? 0 : 'SIGTERM');
    await until(`process ${pid} to be gone`, () => !alive(pid), { deadlineMs: 10_000 });
    t.false(existsSync(dir), 'its temporary folder removed');
  });
}
