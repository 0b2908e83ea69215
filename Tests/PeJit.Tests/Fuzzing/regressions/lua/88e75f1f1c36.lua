-- fuzz regression: configuration threshold3 | found by: PeJit.Fuzzing --language lua --seed 11 (program 53759, program seed 1627360272) | differs in: state | plain interpreter: | output: "" | result: null | state: registers{0, 0, function, function, 13.5, 13.75, 0.5, 13.5, true, nil, 2.0, 2.25, 0.5, 2.0, -nan, -nan, -nan, "floor"} | JIT-enabled (threshold3): | output: "" | result: null | state: registers{0, 0, function, function, 13.5, 13.75, 0.5, 13.5, true, nil, 2.0, 2.25, 0.5, 2.0, nan, nan, nan, "floor"}
local n0 = 0
local c5 = 0
local function k6(step)
  c5 = c5 + step
end
local function h7(p8_0)
  local i9 = 0
  while i9 < 3 do
    i9 = i9 + 1
    k6(n0)
  end
end
for i15 = 0.5, 13.75, 0.5 do
  local ok17, e18 = pcall(h7, (- n0))
  n0 = ((1e300 / (- 1)) - ((- c5) + (-0 * n0)))
  for i19 = 0.5, 2.25, 0.5 do
    n16, g4 = 0, (n0 % -1)
    do
      local n21 = math.floor(g4)
    end
  end
end
