-- Renews a lock its holder still holds (run-lock.ts). KEYS: 1 lock; ARGV: 1 token, 2 ms. Returns 1, or 0 when lost.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
