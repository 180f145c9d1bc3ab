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
 * Counter. KEYS[1] = the counter; ARGV = by, ttl in ms (0 = none). Never below 0, so a decrement
 * of a count that already expired cannot leave a negative one. Returns the new value.
 */
export const INCREMENT = script(`
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if value < 0 then
  value = 0
  redis.call('SET', KEYS[1], 0)
end
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return value
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
