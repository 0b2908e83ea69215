-- A numeric loop on boxed integers and floats: every value is a box, every + a type dispatch.
local n = N or 100000
local count = 0
local total = 0.0
for i = 1, n do
  count = count + i % 7
  total = total + i * 0.5
end
local k = 0
while k < n do
  k = k + 3
end
print(count, total, k)
