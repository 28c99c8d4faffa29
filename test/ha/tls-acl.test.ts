/**
 * TLS with a certificate authority made by the test (openssl), and an ACL
 * user with exactly the permissions the README lists: enqueue, a worker,
 * status and clean work as that user; a user without INFO, and a client
 * without the CA file, each stop with one line before anything is written.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun } from '../../src/fleet/run-store.js';
import { writePng } from '../helpers/make-images.js';
import { ROOT, tempDir } from '../helpers/paths.js';
import { hasRedisServer, ServerSet, within } from '../helpers/redis-ha.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnWorker } from '../helpers/worker-process.js';
import { Redis } from 'ioredis';

if (!hasRedisServer()) test('the HA tests need redis-server (apt-get install redis-server)', (t) => t.fail());

/** A CA, and a server certificate for 127.0.0.1 signed by it. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=bnviz test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '1', '-extfile', f('san.ext'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

/** The ACL rule the README gives, for this prefix. */
function readmeRule(prefix: string): string[] {
  const line = /^ACL SETUSER bnviz (.*)$/m.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  if (!line) throw new Error('README.md has no ACL SETUSER bnviz line');
  return line[1]!.replace('>PASSWORD', '>app-secret').replace('~bnviz:*', `~${prefix}:*`).split(' ');
}

test('TLS with the test\'s own CA file and an ACL user with only the README\'s permissions: enqueue, a worker, status and clean; no CA, or no INFO, is one line before anything is written', async (t) => {
  t.timeout(240_000);
  const servers = new ServerSet();
  t.teardown(() => servers.stopAll());
  const certs = makeCertificates(servers.dir);
  const prefix = 'bnviz-acl';
  const server = await servers.start('tls', [
    'port 0', `tls-port PORT`, `tls-cert-file ${certs.cert}`, `tls-key-file ${certs.key}`, `tls-ca-cert-file ${certs.ca}`, 'tls-auth-clients no',
  ].join('\n'), [], { tls: { ca: readFileSync(certs.ca) } });
  const admin = new Redis({ host: '127.0.0.1', port: server.port, tls: { ca: readFileSync(certs.ca) }, maxRetriesPerRequest: 1 });
  admin.on('error', () => {});
  t.teardown(() => admin.disconnect());
  await admin.call('ACL', 'SETUSER', 'bnviz', ...readmeRule(prefix));
  await admin.call('ACL', 'SETUSER', 'no-info', ...readmeRule(prefix), '-info');

  const dir = tempDir();
  const out = tempDir();
  t.teardown(() => { rmSync(dir, { recursive: true, force: true }); rmSync(out, { recursive: true, force: true }); });
  for (let i = 0; i < 6; i++) await writePng(join(dir, `img${i}.png`), 32, 32, i);
  const env = (user: string, ca = certs.ca) => ({
    BNVIZ_REDIS_URL: `rediss://${user}:app-secret@127.0.0.1:${server.port}`, BNVIZ_REDIS_TLS_CA: ca, BNVIZ_REDIS_PREFIX: prefix, BNVIZ_QUEUE: 'groups',
  });
  const keys = async () => (await admin.keys(`${prefix}:*`)).length;

  // Without the CA file, the server's certificate does not verify: one line, nothing written.
  const untrusted = await runCli(['enqueue', dir, '--size', '32'], { env: { ...env('bnviz', ''), BNVIZ_REDIS_TLS_CA: '' } });
  t.is(untrusted.code, 2);
  t.regex(untrusted.stderr, new RegExp(`^bnviz: cannot reach Redis at 127\\.0\\.0\\.1:${server.port} \\(TLS: [^\\n]*certificate[^\\n]*\\)\\n$`));
  t.false(untrusted.stderr.includes('app-secret'));
  // A user without INFO: one line naming it, before enqueue writes anything.
  const noInfo = await runCli(['enqueue', dir, '--size', '32'], { env: env('no-info') });
  t.is(noInfo.code, 2, noInfo.stderr);
  t.regex(noInfo.stderr, /^bnviz: the Redis user may not run INFO \(BullMQ checks the server's version with it\): bnviz needs them \(the README, Least privilege, gives an ACL rule\); nothing was written\n$/);
  t.is(await keys(), 0, 'nothing written');

  // The README's user does the whole run.
  const enq = await runCli(['enqueue', dir, '--json', '--size', '32'], { env: env('bnviz') });
  t.is(enq.code, 0, enq.stderr);
  const { runId } = JSON.parse(enq.stdout) as { runId: string };
  const w = spawnWorker(['--roots', dir, '--out', out, '--threads', '1'], env('bnviz'));
  t.teardown(() => { if (w.child.exitCode === null) w.child.kill('SIGKILL'); });
  await w.ready;
  const run = await within('the run to finish', 120_000, async () => {
    const r = await readRun(admin, prefix, runId);
    return r?.finishedAt ? r : undefined;
  }, 200);
  t.like(run, { total: 2, done: 2, failed: 0 });
  const status = await runCli(['status', runId, '--json'], { env: env('bnviz') });
  t.is(status.code, 0, status.stderr);
  t.like(JSON.parse(status.stdout), { runId, status: 'finished', done: 2 });
  w.child.kill('SIGTERM');
  t.is(await w.exited, 0, w.stderr());
  t.false(w.events.some((e) => e.event === 'error' || e.event === 'fatal'), JSON.stringify(w.events.filter((e) => e.event === 'error' || e.event === 'fatal')));
  const clean = await runCli(['clean', runId], { env: env('bnviz') });
  t.is(clean.code, 0, clean.stderr);
  t.is(await readRun(admin, prefix, runId), undefined);
  // A worker as the user without INFO stops at start with the same line (exit 2).
  const refused = spawnWorker(['--roots', dir, '--out', out, '--threads', '1'], env('no-info'));
  t.teardown(() => { if (refused.child.exitCode === null) refused.child.kill('SIGKILL'); });
  t.is(await refused.exited, 2);
  t.regex(refused.stderr(), /may not run INFO/);
});
