import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { loadConfig } from '../src/config/load-config.js';
import { hashTagOf } from '../src/config/redis-rules.js';
import { isBnvizError } from '../src/errors.js';
import { explainRedisError } from '../src/fleet/connect-redis.js';
import { createClient, describeTarget, shownTarget } from '../src/fleet/redis-options.js';

const lazy = { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy: () => null };

test('loadConfig: BNVIZ_REDIS_SENTINELS, BNVIZ_REDIS_SENTINEL_NAME and BNVIZ_REDIS_CLUSTER, and the flags of the same keys', (t) => {
  const s = loadConfig({ env: { BNVIZ_REDIS_SENTINELS: '127.0.0.1:26379, sentinel-2:26380,[::1]:26381', BNVIZ_REDIS_SENTINEL_NAME: 'main' } });
  t.deepEqual(s.redis.sentinels, ['127.0.0.1:26379', 'sentinel-2:26380', '[::1]:26381']);
  t.is(s.redis.sentinelName, 'main');
  t.is(s.redis.prefix, 'bnviz', 'the prefix is left alone without a cluster');
  t.is(s.redis.url, 'redis://127.0.0.1:6379', 'the URL stays the default');
  const c = loadConfig({ env: {}, flags: { 'redis.cluster': 'n1:7000,n2:7001', 'redis.tls.ca': '/etc/ca.pem' } });
  t.deepEqual(c.redis.cluster, ['n1:7000', 'n2:7001']);
  t.is(c.redis.tls.ca, '/etc/ca.pem');
  t.true(Object.isFrozen(c.redis.cluster) && Object.isFrozen(c.redis.tls));
});

test('loadConfig: a node that is not host:port is one line naming its source and the value as given', (t) => {
  const err = t.throws(() => loadConfig({ env: { BNVIZ_REDIS_CLUSTER: '127.0.0.1:7000,127.0.0.1' } }));
  t.true(isBnvizError(err, 'ConfigError'));
  t.is(err!.message, 'Expected a list of host:port (comma-separated) for BNVIZ_REDIS_CLUSTER but received "127.0.0.1:7000,127.0.0.1"');
  const port = t.throws(() => loadConfig({ env: {}, flags: { 'redis.sentinels': 'h:70000' }, flagNames: { 'redis.sentinels': '--sentinels' } }));
  t.is(port!.message, 'Expected a list of host:port (comma-separated) for --sentinels but received "h:70000"');
});

test('loadConfig: sentinels need the primary\'s name, a name needs sentinels, and sentinels exclude a cluster', (t) => {
  t.is(t.throws(() => loadConfig({ env: { BNVIZ_REDIS_SENTINELS: 'h:26379' } }))!.message,
    'Expected the name of the primary that BNVIZ_REDIS_SENTINELS watch for redis.sentinelName (BNVIZ_REDIS_SENTINEL_NAME, --sentinel-name) but received none');
  t.is(t.throws(() => loadConfig({ env: { BNVIZ_REDIS_SENTINEL_NAME: 'main' } }))!.message,
    'Expected the sentinels (redis.sentinels, BNVIZ_REDIS_SENTINELS, --sentinels) for BNVIZ_REDIS_SENTINEL_NAME but received none');
  t.is(t.throws(() => loadConfig({ env: { BNVIZ_REDIS_SENTINELS: 'h:26379', BNVIZ_REDIS_SENTINEL_NAME: 'main', BNVIZ_REDIS_CLUSTER: 'h:7000' } }))!.message,
    'Expected either sentinels (BNVIZ_REDIS_SENTINELS) or cluster nodes (BNVIZ_REDIS_CLUSTER) but received both');
});

test('loadConfig: on a cluster the prefix gets a hash tag when it has none, keeps its own, and is refused when its braces make none', (t) => {
  const cluster = { BNVIZ_REDIS_CLUSTER: '127.0.0.1:7000' };
  t.is(loadConfig({ env: cluster }).redis.prefix, '{bnviz}');
  t.is(loadConfig({ env: { ...cluster, BNVIZ_REDIS_PREFIX: 'team-a' } }).redis.prefix, '{team-a}');
  t.is(loadConfig({ env: { ...cluster, BNVIZ_REDIS_PREFIX: 'bnviz-{a}' } }).redis.prefix, 'bnviz-{a}');
  t.is(t.throws(() => loadConfig({ env: { ...cluster, BNVIZ_REDIS_PREFIX: 'a{}b' } }))!.message,
    'Expected a prefix with a hash tag such as {bnviz}, or one without braces (bnviz adds the tag), on a cluster for BNVIZ_REDIS_PREFIX but received "a{}b"');
  t.is(t.throws(() => loadConfig({ env: { ...cluster, BNVIZ_REDIS_URL: 'redis://127.0.0.1:7000/2' } }))!.message,
    'Expected no database number (a cluster has only db 0) for BNVIZ_REDIS_URL but received /2 in the URL');
});

test('hashTagOf: what lies between the first { and the next }, if anything (the cluster spec\'s rule)', (t) => {
  t.is(hashTagOf('{bnviz}:groups:wait'), 'bnviz');
  t.is(hashTagOf('a{b}{c}'), 'b');
  t.is(hashTagOf('{}bnviz{x}'), undefined, 'an empty first tag: the whole key is hashed');
  t.is(hashTagOf('a{b'), undefined);
  t.is(hashTagOf('bnviz:groups'), undefined);
});

test('createClient: sentinels make a Sentinel client that reconnects (to the primary they name) when a server answers READONLY or UNBLOCKED', (t) => {
  const settings = loadConfig({ env: { BNVIZ_REDIS_SENTINELS: '127.0.0.1:1,127.0.0.1:2', BNVIZ_REDIS_SENTINEL_NAME: 'main', BNVIZ_REDIS_SENTINEL_PASSWORD: 's3', BNVIZ_REDIS_URL: 'redis://app:p%40ss@ignored:9/3' } }).redis;
  const redis = createClient(settings, lazy) as Redis;
  try {
    t.true(redis instanceof Redis);
    const o = redis.options;
    t.deepEqual(o.sentinels, [{ host: '127.0.0.1', port: 1 }, { host: '127.0.0.1', port: 2 }]);
    t.is(o.name, 'main');
    t.is(o.sentinelPassword, 's3');
    t.is(o.username, 'app');
    t.is(o.password, 'p@ss');
    t.is(o.db, 3);
    t.true(o.reconnectOnError!(new Error('READONLY You can\'t write against a read only replica.')) === true);
    t.true(o.reconnectOnError!(new Error('UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)')) === true);
    t.false(o.reconnectOnError!(new Error('ERR wrong number of arguments')));
    t.is(describeTarget(settings), 'Redis at primary main (sentinels 127.0.0.1:1,127.0.0.1:2)');
  } finally {
    redis.disconnect();
  }
});

test('createClient: cluster nodes make an ioredis Cluster whose nodes get the URL\'s user and password and wait for commands (as BullMQ needs)', (t) => {
  const settings = loadConfig({ env: { BNVIZ_REDIS_CLUSTER: '127.0.0.1:7000,[::1]:7001', BNVIZ_REDIS_URL: 'redis://app:secret@ignored:1' } }).redis;
  const cluster = createClient(settings, lazy) as Cluster;
  try {
    t.true(cluster instanceof Cluster);
    t.deepEqual((cluster as unknown as { startupNodes: unknown }).startupNodes, [{ host: '127.0.0.1', port: 7000 }, { host: '::1', port: 7001 }]);
    t.is(cluster.options.redisOptions?.username, 'app');
    t.is(cluster.options.redisOptions?.password, 'secret');
    t.is(cluster.options.redisOptions?.maxRetriesPerRequest, null);
    t.is(shownTarget(settings), 'cluster 127.0.0.1:7000,[::1]:7001');
  } finally {
    cluster.disconnect();
  }
});

test('createClient: a TLS file turns TLS on with it read, certificates still verified; an unreadable one is one line naming its key', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bnviz-tls-'));
  try {
    writeFileSync(join(dir, 'ca.pem'), 'CA');
    const settings = loadConfig({ env: { BNVIZ_REDIS_TLS_CA: join(dir, 'ca.pem') } }).redis;
    const redis = createClient(settings, lazy) as Redis;
    t.deepEqual(redis.options.tls?.ca, Buffer.from('CA'));
    t.not(redis.options.tls?.rejectUnauthorized, false);
    redis.disconnect();
    const plain = createClient('redis://127.0.0.1:1', lazy);
    t.is(plain.options.tls, undefined, 'no TLS without rediss:// or a file');
    plain.disconnect();
    const missing = loadConfig({ env: { BNVIZ_REDIS_TLS_CA: join(dir, 'none.pem') } }).redis;
    const err = t.throws(() => createClient(missing, lazy));
    t.true(isBnvizError(err, 'ConfigError'));
    t.is(err!.message, `Expected a readable PEM file for redis.tls.ca but received ${JSON.stringify(join(dir, 'none.pem'))} (ENOENT)`);
    const half = loadConfig({ env: { BNVIZ_REDIS_TLS_CERT: join(dir, 'ca.pem') } }).redis;
    t.regex(t.throws(() => createClient(half, lazy))!.message, /^Expected both redis\.tls\.cert and redis\.tls\.key .* but received only redis\.tls\.cert$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('explainRedisError: an answer a setting causes says what to change, in one line without the password', (t) => {
  const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });
  const single = 'redis://:hunter2@127.0.0.1:6390';
  const readonly = explainRedisError(reply('READONLY You can\'t write against a read only replica.'), single) as Error;
  t.is(readonly.message, 'Redis at 127.0.0.1:6390 answered with an error: READONLY You can\'t write against a read only replica.; that server is a read-only replica: point redis.url at the primary, or give redis.sentinels and redis.sentinelName');
  const moved = explainRedisError(reply('MOVED 8720 127.0.0.1:7001'), single) as Error;
  t.regex(moved.message, /MOVED 8720 127\.0\.0\.1:7001; that server is a node of a Redis Cluster: give its nodes as redis\.cluster/);
  const noperm = explainRedisError(reply('NOPERM User app has no permissions to run the \'info\' command hunter2'), single) as Error;
  t.regex(noperm.message, /NOPERM .*'info' command \*\*\*; the Redis user lacks a permission bnviz needs/);
  t.false(noperm.message.includes('hunter2'));
});
