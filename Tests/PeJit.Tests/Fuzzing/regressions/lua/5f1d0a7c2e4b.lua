-- fuzz regression: configuration threshold3 | found by: FuzzTests.LuaProgramsBehaveAsThePlainInterpreter (--language lua --seed 20260101, program 8, program seed 844725925; main 3672d88, PEJIT_VERIFY=1) | differs in: result, exception | JIT-enabled (threshold3): MalformedGraphException after the optimization pass 'promote': the second loop's preheader tested the register array against the callee frame allocated in the first loop (whose versioned copy meant it no longer dominated)
for i7 = 0.5, 20.75, 0.5 do
  local q9 = function(y) return y + -28.4702 end
  g6 = q9(0)
end
for i10 = 1, 2 do
end
