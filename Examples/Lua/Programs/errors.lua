-- Raising and catching errors: error() with a string and with a table, run-time errors, pcall.
local function check(x)
  if x % 5 == 0 then error("multiple of five: " .. x) end
  if x % 7 == 0 then error({ code = x }) end
  return x * 2
end

local n = N or 10000
local sum, strings, tables = 0, 0, 0
local lastMessage = nil
for i = 1, n do
  local ok, result = pcall(check, i)
  if ok then
    sum = sum + result
  elseif type(result) == "string" then
    strings = strings + 1
    lastMessage = result
  else
    tables = tables + result.code % 2
  end
end
print(sum, strings, tables, lastMessage)

local ok, message = pcall(function() local t = nil; return t.field end)
print(ok, message)
local added, why = pcall(function(a, b) return a + b end, 1, nil)
print(added, why)
local raised, plain = pcall(error, "plain")
print(raised, plain)
local outer, inner, value = pcall(function() return pcall(error) end)
print(outer, inner, value)
