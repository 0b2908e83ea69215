-- String building: concatenation in a loop, pieces collected in a table and joined.
local n = N or 10000
local parts = {}
local line = ""
local letters = 0
for i = 1, n do
  local piece = "item" .. i .. ";"
  parts[#parts + 1] = piece
  letters = letters + #piece
  if i % 100 == 0 then line = "" end
  line = line .. (i % 10)
end
local joined = table.concat(parts)
print(#joined, letters, line, string.sub(joined, 1, 20), string.sub(joined, -12))
