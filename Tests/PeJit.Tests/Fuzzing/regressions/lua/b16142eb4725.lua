-- fuzz regression: configuration threshold3 | found by: PeJit.Fuzzing --language lua --seed 20261206 (program 12, program seed 1265662267) (fixed by the vbug branch: virtualize rewrote blocks its decisions had ruled out) | differs in: result, exception, state | plain interpreter: | output: "" | result: null | state: registers{0, 1, 0, 0, function, function, 1, 1, 1, 1, 1, 1, -1, 1, nil, nil} | JIT-enabled (threshold3): | output: "" | exception: PeJit.Optimizer.MalformedGraphException: unit Run (38, Code) is malformed after the optimization pass 'virtualize'; the verifier reports: | block176[15]: v1096 is used where its definition in block202 does not dominate | v994: class "PeJit.Examples.Lua.Values.LuaInteger" = newobj stores("System.Int64 PeJit.Examples.Lua.Values.LuaInteger::Value") instance "System.Void PeJit.Examples.Lua.Values.LuaInteger::.ctor(System.Int64)" v1096  ; IL_0b8f line 234 | This is a defect of PeJit: please report it with the interpreter; PEJIT_DUMP=all shows the graph at each stage, and PEJIT_OPT can leave the pass out meanwhile. | state: registers{0, 1, 0, 0, function, function, 1, 1, 1, 1, 4, 1, -1, 4, nil, nil}
local n0 = 0
local n1 = 1
local n2 = 0
local c6 = 0
local function k7(step)
  c6 = c6 + step
  return c6
end
local function r8(d, x)
  if d <= 0 then return k7(n0) end
  return r8(d - 1, k7(n2)) // x
end
for i9 = 0, 1, 1 do
  if (math.floor(n0) - 82.3156) < r8(1, (- n1)) then
    for i10 = 4, 1, -1 do
    end
  end
end
