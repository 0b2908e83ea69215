;; fuzz regression: configuration threshold3
;; fixed: the graph evaluator, finishing steps after the exit (learning), could not hold the ref struct of the trap message's $"..."; InterpolatedStringHandlerShim
;; found by: PeJit.Fuzzing --language wasm --seed 1803 (program 246, program seed 1097914860)
;; differs in: exception
;; plain interpreter:
;;     output: ""
;;     exception: PeJit.Examples.Wasm.WasmTrap: unreachable executed at pc 319
;;     state: memory{1: 38} stack{0: 14, 1: 325, 2: 1, 3: 24} labels[3/340/0/1 1/319/0/0 3/365/1/1 0/364/1/0 0/363/1/0 0/361/1/0]
;; JIT-enabled (threshold3):
;;     output: ""
;;     exception: PeJit.IR.Evaluation.EvaluationException: System.Int64 PeJit.Examples.Wasm.Interpreter::Run(PeJit.Examples.Wasm.Code,PeJit.Examples.Wasm.Machine,System.Int64): slot2 is of the ref struct DefaultInterpolatedStringHandler, which the evaluator cannot hold
;;     state: memory{1: 38} stack{0: 14, 1: 325, 2: 1, 3: 24} labels[3/340/0/1 1/319/0/0 3/365/1/1 0/364/1/0 0/363/1/0 0/361/1/0]
memory 72
args 23
func $main (param $n) (local $t $a $b $c $i0 $i1 $i2 $i3 $i4 $i5 $i6 $i7) (result)
  i64.const 2
  if $L0
    i64.const 5
    local.set $i0
    loop $L1
      block $L2
        loop $L3
          local.get $i1
          i64.const 1
          i64.lt_s
          br_if $L2
          local.get $i1
          i64.const 1
          i64.rem_s
          local.set $i2
          block $L4
            loop $L5
              i64.const 65536
              i64.const 89
              i64.gt_s
              i64.const 63
              if $L8
                block $L9
                  block $L10
                    i64.const 39
                    block $L13 (result)
                      local.get $n
                      local.get $a
                      i64.const 73
                      br $L13
                    end
                    br_if $L0
                  end
                  local.set $b
                end
              else
                i64.const 22
                select
                br_if $L8
                block $L15 (result)
                  i64.const 61
                  local.get $t
                  i64.eqz
                  local.get $n
                  if $L16 (result)
                    i64.const 84
                  else
                    local.get $t
                  end
                  br_if $L15
                  i64.and
                end
                br_if $L3
              end
              block $L17 (result)
                local.get $a
                i64.const 31
                i64.mul
              end
              if $L19
                local.get $b
                local.set $c
              else
                block $L20 (result)
                  i64.const 83
                  i64.rem_s
                  br $L20
                end
                local.set $t
              end
              br $L5
            end
          end
          local.get $n
          local.set $c
          br $L3
        end
      end
      i64.const 1
      i64.const 63
      i64.and
      i64.const 38
      i64.store
      local.get $i0
      i64.const 1
      i64.sub
      local.tee $i0
      i64.const 0
      i64.gt_s
      br_if $L1
    end
    local.get $c
    br_if $L0
  end
  i64.const 68
  if $L21
    i64.const 12
    call $f0
    i64.store offset=5
  else
    i64.const 85
    i64.load offset=3
    if $L22
      block $L23 (result)
        i64.const 92
      end
      local.get $a
      if $L24 (result)
        local.get $c
      else
        local.get $b
      end
      i64.ge_s
      if $L25
        local.get $a
        i64.const 12
        i64.rem_s
        local.set $i3
        block $L26
          loop $L27
            local.get $i3
            i64.const 1
            i64.sub
            local.set $i3
            block $L28
              block $L29
                block $L30
                  block $L31
                    local.get $c
                    br_table $L30 $L30 $L31
                  end
                  i64.const 2147483647
                  i64.const 63
                  local.get $t
                  i64.const 63
                  i64.gt_s
                  if $L33
                  else
                    i64.const 47
                    block $L34 (result)
                      i64.const 3
                      br_if $L34
                    end
                    i64.store
                  end
                  block $L36 (result)
                    local.get $a
                    i64.const 10
                    local.get $b
                    br_if $L36
                    i64.ne
                  end
                  i64.const 63
                  br $L28
                end
                br $L28
              end
              i64.const -10
              local.set $t
              block $L38
                block $L39
                  block $L40
                    block $L41
                      block $L42
                        local.get $t
                        br_table $L41 $L27
                      end
                      i64.const 0
                      i64.load offset=6
                      call $f2
                      local.set $n
                    end
                    local.get $n
                    i64.store
                    br $L38
                  end
                  br $L38
                end
              end
            end
            block $L43 (result)
              i64.const 17
              local.get $t
              local.get $b
              local.get $a
              select
              br_if $L43
            end
            local.set $a
            block $L44
              block $L45 (result)
                local.get $a
                local.get $b
                br $L27
              end
              i64.const 9223372036854775807
              i64.eqz
              br_if $L44
            end
            br $L27
          end
        end
      else
        block $L48
          block $L49
            block $L50
              block $L51
                local.get $a
                local.get $c
              end
            end
            br $L48
          end
          block $L54
            block $L55 (result)
              i64.const 99
              local.get $t
              i64.const 11
              select
              block $L56 (result)
                local.get $n
                i64.const 98
                br $L56
              end
              i64.sub
              br_if $L55
            end
            local.set $c
          end
          i64.const 9
          local.set $i4
          block $L58
            loop $L59
            end
          end
        end
      end
    else
      i64.const 20
      local.set $i5
      block $L61
        loop $L62
          local.get $i5
          i64.const 1
          i64.lt_s
          if $L63 (result)
            block $L64 (result)
              local.get $n
              i64.const -19
              br_if $L64
              i64.const 62
              br $L64
            end
          else
            local.get $c
            i64.eqz
          end
          i64.and
          local.tee $t
          i64.const 55
          local.get $b
          select
          local.set $t
          br $L62
        end
        loop $L66
          local.get $i6
          i64.const 1
          i64.lt_s
          i64.const 9223372036854775807
          i64.mul
          if $L70 (result)
            i64.const -9223372036854775808
          else
            block $L71 (result)
              local.get $n
              local.get $c
              local.get $a
              br_if $L71
              i64.gt_s
            end
            local.get $b
            local.get $c
            i64.ge_s
          end
          local.set $t
          br $L66
        end
      end
    end
    local.get $a
    block $L73 (result)
      i64.const -9223372036854775807
      i64.const 80
      br_if $L73
    end
    local.get $b
    local.get $t
    i64.ne
    local.set $b
  end
  local.get $n
  block $L74 (result)
    i64.const -18
    local.get $a
    i64.const 24
    i64.shl
    br_if $L74
  end
  local.tee $t
  local.get $t
  i64.mul
  i64.const 1
  i64.add
  i64.rem_s
  local.set $c
  i64.const 14
  local.set $i7
  loop $L75
    unreachable
    block $L76 (result)
      local.get $b
      local.get $a
      br_if $L76
    end
    br_if $L75
  end
  i64.const 18
  local.get $t
  local.get $n
  select
  i64.const 23
  local.get $t
  select
  block $L78 (result)
    i64.const 50
    i64.const 3
    local.get $c
  end
  i64.ge_s
end
func $f0 (local $t $a $b $c) (result)
  block $L80 (result)
    i64.const 37
    local.get $c
    br $L80
  end
  i64.const 63
  i64.and
  local.get $c
  local.tee $b
  i64.store
  block $L81
    block $L82
      block $L83
        local.get $c
        i64.const 98
        i64.ge_s
        i64.const 18
        i64.rem_s
        br_table $L82
      end
      br $L81
    end
  end
  local.get $c
end
func $f1 (param $p0 $p1 $p2) (local $t $a $b) (result)
  local.get $p0
  i64.const 1
  i64.lt_s
  if $L84
    i64.const 22
    i64.const 41
    i64.ne
    local.get $p0
    local.get $t
    select
    return
  end
  local.get $t
  local.get $p0
  i64.xor
  i64.const -9
  local.get $p1
  local.tee $t
  local.get $t
  i64.mul
  i64.const 1
  i64.add
  i64.div_s
  i64.ne
  i64.const 35
  i64.div_s
  print
  i64.const 34
  i64.load
  i64.const 53
  local.get $p0
  local.tee $t
  local.get $t
  i64.mul
  i64.const 1
  i64.add
  i64.rem_s
  i64.le_s
  if $L85
    i64.const 23
    return
  end
  block $L86
    local.get $p0
    if $L87
      local.get $a
      return
    end
    block $L88 (result)
      local.get $p0
      i64.const 1
      br_if $L88
    end
    br_if $L86
    br $L86
  end
  block $L89 (result)
    i64.const 46
    i64.load offset=4
    local.get $p2
    local.get $t
    i64.mul
    br_if $L89
  end
  local.get $a
  i64.const 65536
  i64.and
  if $L90 (result)
    local.get $t
  end
  i64.shr_s
end
func $f2 (param $p0 $p1 $p2) (local $t $a $b $c) (result)
  local.get $p0
  i64.const 1
  i64.lt_s
  if $L91
    local.get $a
    local.get $t
    i64.shr_s
    i64.const 9223372036854775807
    return
  end
  local.get $a
  local.get $p2
  i64.const 50
  i64.mul
  local.get $p0
  i64.eqz
  call $f1
  drop
  local.get $p0
  i64.const 1
  i64.sub
  local.get $p2
  i64.eqz
  i64.eqz
  i64.const 25
  call $f2
end
