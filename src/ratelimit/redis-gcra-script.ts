/**
 * gcra.ts as one Redis Lua script, so the read-decide-write of a key is atomic across every node.
 * The same integer arithmetic line for line (see gcra.ts for the model and why TAT is `tat + rem/quota`);
 * Lua numbers are doubles, exact for these integers (all < 2^53). `%.0f` formatting, because Lua 5.1's
 * tostring prints 14 significant digits and would round a large `rem`.
 *
 * KEYS[1] = <key_prefix>rl:<projectId>:<keyId>
 * ARGV    = now (epoch ms from the calling node's Clock), quota, window (integer ms)
 * Stored  = "<tat> <rem> <quota>", expiring (PX, relative, so Redis's own clock does not matter) when
 *           TAT is reached — after that the key is fresh again and nothing needs remembering.
 * Returns = { allowed (1|0), tat, rem } of the state after the decision (unchanged when refused),
 *           as strings; the caller derives remaining / reset / retry from them with gcra.ts.
 */
export const GCRA_LUA = `
local now = tonumber(ARGV[1])
local quota = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local tat, rem = now, 0
local stored = redis.call('GET', KEYS[1])
if stored then
  local t, m, sq = string.match(stored, '^(%d+) (%d+) (%d+)$')
  if t then
    tat = tonumber(t)
    rem = tonumber(m)
    if tonumber(sq) ~= quota then
      if rem > 0 then tat = tat + 1 end
      rem = 0
    end
    if tat < now or (tat == now and rem == 0) then
      tat = now
      rem = 0
    end
  end
end
local q = math.floor(window / quota)
local gap = quota - (window - q * quota)
local nt, nr
if rem >= gap then
  nt = tat + q + 1
  nr = rem - gap
else
  nt = tat + q
  nr = rem + (quota - gap)
end
local d = now - nt + window
if d > 0 or (d == 0 and nr == 0) then
  local ttl = nt - now
  if nr > 0 then ttl = ttl + 1 end
  redis.call('SET', KEYS[1], string.format('%.0f %.0f %.0f', nt, nr, quota), 'PX', string.format('%.0f', ttl))
  return { 1, string.format('%.0f', nt), string.format('%.0f', nr) }
end
return { 0, string.format('%.0f', tat), string.format('%.0f', rem) }
`;
