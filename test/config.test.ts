import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { isBnvizError } from '../src/errors.js';
import { tempDir } from './helpers/paths.js';

const dir = tempDir();
const file = join(dir, 'bnviz.json');
writeFileSync(file, JSON.stringify({ groupSize: 4, size: 128, epsilon: 0.01, redis: { prefix: 'from-file' } }));

test('loadConfig: defaults when nothing is set', (t) => {
  const c = loadConfig({ env: {} });
  t.is(c.groupSize, 3);
  t.is(c.epsilon, 0.001);
  t.deepEqual(c.figures, ['overview', 'panels', 'compare']);
  t.true(Object.isFrozen(c) && Object.isFrozen(c.redis));
});

test('loadConfig: a file overrides defaults, the environment overrides the file, flags override both', (t) => {
  t.is(loadConfig({ env: {}, file }).groupSize, 4);
  const env = { BNVIZ_GROUP_SIZE: '5', BNVIZ_REDIS_PREFIX: 'from-env' };
  const fromEnv = loadConfig({ env, file });
  t.is(fromEnv.groupSize, 5);
  t.is(fromEnv.size, 128, 'file value kept where env is silent');
  t.is(fromEnv.redis.prefix, 'from-env');
  const fromFlags = loadConfig({ env, file, flags: { groupSize: '6', 'redis.prefix': 'from-flag' } });
  t.is(fromFlags.groupSize, 6);
  t.is(fromFlags.redis.prefix, 'from-flag');
  t.is(fromFlags.epsilon, 0.01);
});

test('loadConfig: BNVIZ_CONFIG names the file', (t) => {
  t.is(loadConfig({ env: { BNVIZ_CONFIG: file } }).size, 128);
});

test('loadConfig: lists and per-channel values parse from strings', (t) => {
  const c = loadConfig({ env: { BNVIZ_FIGURES: 'overview,compare', BNVIZ_GAMMA: '1,0.5,2', BNVIZ_X_RANGE: 'auto' } });
  t.deepEqual(c.figures, ['overview', 'compare']);
  t.deepEqual(c.gamma, [1, 0.5, 2]);
  t.is(c.xRange, 'auto');
});

test('loadConfig: a bad value stops with the key, what was expected and what came', (t) => {
  const err = t.throws(() => loadConfig({ env: { BNVIZ_GROUP_SIZE: '0' } }));
  t.true(isBnvizError(err, 'ConfigError'));
  t.is(err!.message, 'Expected an integer between 1 and 1024 for BNVIZ_GROUP_SIZE but received "0"');
  const enumErr = t.throws(() => loadConfig({ env: {}, flags: { fit: 'squash' } }));
  t.is(enumErr!.message, 'Expected one of cover, contain, fill for fit but received "squash"');
  const listErr = t.throws(() => loadConfig({ env: {}, flags: { figures: 'overview,pie' } }));
  t.regex(listErr!.message, /^Expected a non-empty list of overview, panels, compare for figures but received "overview,pie"$/);
});

test('loadConfig: an unknown key or a broken file names the file', (t) => {
  const unknown = join(dir, 'unknown.json');
  writeFileSync(unknown, JSON.stringify({ groupsize: 4 }));
  t.regex(t.throws(() => loadConfig({ env: {}, file: unknown }))!.message, /Unknown setting groupsize in .*unknown\.json/);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{ "groupSize": ');
  t.regex(t.throws(() => loadConfig({ env: {}, file: broken }))!.message, /broken\.json/);
  t.regex(t.throws(() => loadConfig({ env: {}, file: join(dir, 'missing.json') }))!.message, /missing\.json: not found/);
});
