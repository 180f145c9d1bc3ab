// The Lua scripts the Redis store runs: each is one atomic round trip. Times come from Redis's own
// clock (TIME), so instances whose clocks disagree still share one bucket correctly.
import { createHash } from 'node:crypto';

export interface Script {
  readonly source: string;
  /** SHA1 of the source: what EVALSHA names */
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Token bucket. KEYS[1] = the bucket (a hash of tokens and the ms it was last updated);
 * ARGV = rate per second, burst, cost. Returns { allowed 0|1, tokens left (floored), ms until `cost` tokens are back }.
 * An idle bucket expires once it would be full again, so idle keys do not pile up.
 */
export const TAKE_TOKENS = script(`
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1])
local at = tonumber(saved[2])
if tokens == nil or at == nil then
  tokens = burst
elseif now > at then
  tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
end
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = math.ceil((cost - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return { allowed, math.floor(tokens), wait }
`);

/**
 * A count that is the sum of every live instance's share. KEYS[1] = a hash instance → its count,
 * KEYS[2] = a sorted set instance → ms until which its share counts. ARGV = instance, by, ttl in ms
 * (0 = none). The caller's share changes by `by` (never below 0) and lives `ttl` from now (so an
 * instance refreshes what it holds with by = 0); shares of instances that stopped refreshing (one
 * died) are dropped. Returns the total.
 */
export const INCREMENT = script(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local me = ARGV[1]
local ttl = tonumber(ARGV[3])
local mine = redis.call('HINCRBY', KEYS[1], me, ARGV[2])
if mine <= 0 then
  redis.call('HDEL', KEYS[1], me)
  redis.call('ZREM', KEYS[2], me)
else
  local untilMs = now + 315360000000
  if ttl > 0 then untilMs = now + ttl end
  redis.call('ZADD', KEYS[2], untilMs, me)
end
local total = 0
local shares = redis.call('HGETALL', KEYS[1])
for i = 1, #shares, 2 do
  local alive = tonumber(redis.call('ZSCORE', KEYS[2], shares[i]) or '0')
  if alive > now then
    total = total + tonumber(shares[i + 1])
  else
    redis.call('HDEL', KEYS[1], shares[i])
    redis.call('ZREM', KEYS[2], shares[i])
  end
end
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return total
`);

/** KEYS[1] = the key; ARGV = value, ttl in ms (0 = none). Sets it unless it exists; returns the value it holds after. */
export const SET_IF_ABSENT = script(`
local ttl = tonumber(ARGV[2])
local set
if ttl > 0 then
  set = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ttl)
else
  set = redis.call('SET', KEYS[1], ARGV[1], 'NX')
end
if set then return ARGV[1] end
return redis.call('GET', KEYS[1])
`);
