-- A polymorphic site (after PyPy's accumulator benchmark): one function, applied in a loop to integers,
-- floats and strings, adds what each value is worth; the + inside dispatches on the value's type.
local function worth(value)
  if type(value) == "string" then return #value end
  return value
end

local function accumulate(total, value)
  return total + worth(value)
end

local values = { 3, 0.25, "four", 7, 1.5, "eleven!", -2, 0.125 }
local count = #values
local n = N or 100000
local total = 0.0
local integers = 0
for i = 1, n do
  local value = values[i % count + 1]
  total = accumulate(total, value)
  integers = accumulate(integers, i % 3)
end
print(total, integers)
