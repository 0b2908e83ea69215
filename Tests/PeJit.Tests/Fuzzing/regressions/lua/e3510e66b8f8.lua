-- fuzz regression: configuration threshold3 | found by: PeJit.Fuzzing --language lua --seed 15 (program 77, program seed 2006177770) (fixed by the vbug branch: virtualize rewrote blocks its decisions had ruled out) | differs in: result, exception, state | plain interpreter: | output: "" | result: null | state: registers{"x	y", {}, function, function, 1, 1, -1, 1, nil, nil, nil, -38.211, 0, ""} | JIT-enabled (threshold3): | output: "" | exception: PeJit.Optimizer.MalformedGraphException: unit Run (60, Code) is malformed after the optimization pass 'virtualize'; the verifier reports: | block107[14]: v925 is used where its definition in block216 does not dominate | v461: class "PeJit.Examples.Lua.Values.LuaInteger" = newobj stores("System.Int64 PeJit.Examples.Lua.Values.LuaInteger::Value") instance "System.Void PeJit.Examples.Lua.Values.LuaInteger::.ctor(System.Int64)" v925  ; IL_0bb8 line 244 | This is a defect of PeJit: please report it with the interpreter; PEJIT_DUMP=all shows the graph at each stage, and PEJIT_OPT can leave the pass out meanwhile. | state: registers{"x	y", {}, function, function, 3, 1, -1, 3, nil, nil, nil, -38.211, 0, ""}
local s4 = "x\ty"
local t5 = {x = n3, n2, [0] = n0}
local function h8(p9_0, p9_1)
  do
    if 1e15 ~= g7 then
      s4 = string.sub(table.concat(t5, ","), 1, 0)
    end
  end
  return (#s4 % -1)
end
local function h12(p13_0)
  for i14 = 1, 1 do
    n2 = (#s4 % (h8(g7, math.floor(0)) % 1 - 1))
  end
end
for i20 = 8, 1, -1 do
  n3 = h12((-38.211 * #s4))
end
