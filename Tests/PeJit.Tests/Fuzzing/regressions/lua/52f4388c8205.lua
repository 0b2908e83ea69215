-- fuzz regression: configuration threshold3 | found by: PeJit.Fuzzing --language lua --seed 9091 (program 38, program seed 859308797; the pass calls with PEJIT_CALL_FREE_LOOPS=1, branch poly9) | differs in: state | plain interpreter: | output: "" | result: null | state: registers{"-", function, 2, 10, true, 9, 1, 0, 1, 1, 1} | JIT-enabled (threshold3): | output: "" | result: null | state: registers{"-", function, 2, 8, true, 9, 1, 0, 1, 1, 1}
local s2 = "-"
local function h6(p7_0)
end
local i10 = 0
while true do
  i10 = i10 + 1
  if i10 > 1 then break end
  n0 = #s2 + 86.401
end
local i12 = 0
while true do
  i12 = i12 + 1
  if i12 > 9 then break end
  n1 = ((math.floor(n0) % 1) % (math.floor(#s2) % 1 + 1))
end
