-- fuzz regression: configuration threshold3 | found by: PeJit.Fuzzing --language lua --seed 11 (program 89707, program seed 751749766; main aa80b32, before the example printed every NaN as nan) | differs in: state | plain interpreter: | output: "" | result: null | state: registers{1e+300, {; 2=82.4023, 3=1e+300}, 0, function, -nan, 1, 1, -1, 1, 4, 4, 1, 4, 1.5, 1.75, 0.5, 1.5, 1e+300, 0, 3.0, 0, inf} | JIT-enabled (threshold3): | output: "" | result: null | state: registers{1e+300, {; 2=82.4023, 3=1e+300}, 0, function, nan, 1, 1, -1, 1, 4, 4, 1, 4, 1.5, 1.75, 0.5, 1.5, 1e+300, 0, 3.0, 0, inf}
local n0 = 82.4023
local t4 = {n2, n0, 1e300}
local c5 = 0
local function k6(step)
  c5 = c5 + step
  return c5
end
function G7(p8_0)
  for i9 = 0, 0, 1 do
  end
  k6(k6(p8_0))
  return ((- n2) * (p8_0 - n2))
end
local c11 = 0
for i15 = 8, 1, -1 do
  n2 = (((0 * c5) // -1) % 1)
  for i16 = 1, 4 do
    c11 = (math.floor(32.1927) / ((#t4 ~= c5 and 1e15 or 0) ~= "1" and G7(n0) or k12(0)))
    for i17 = 0.5, 1.75, 0.5 do
      n0 = (t4[3.0] or c11) + #t4
    end
  end
end
