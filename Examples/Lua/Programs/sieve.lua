-- The sieve of Eratosthenes on a table's array part.
local n = N or 100000
local composite = {}
for i = 1, n do composite[i] = false end
local count = 0
for i = 2, n do
  if not composite[i] then
    count = count + 1
    local j = i * i
    while j <= n do
      composite[j] = true
      j = j + i
    end
  end
end
print(count, #composite)
