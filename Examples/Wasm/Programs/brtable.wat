;; br_table dispatch in a loop: a state machine over i % 4 whose arms change s differently; prints s.
args 10000000
func $main (param $n) (local $i $s) (result)
  block $done
    loop $top
      local.get $i
      local.get $n
      i64.ge_s
      br_if $done
      block $next
        block $case3
          block $case2
            block $case1
              block $case0
                local.get $i
                i64.const 4
                i64.rem_s
                br_table $case0 $case1 $case2 $case3
              end
              ;; case 0: s += i
              local.get $s
              local.get $i
              i64.add
              local.set $s
              br $next
            end
            ;; case 1: s -= 3
            local.get $s
            i64.const 3
            i64.sub
            local.set $s
            br $next
          end
          ;; case 2: s ^= i
          local.get $s
          local.get $i
          i64.xor
          local.set $s
          br $next
        end
        ;; case 3 (and the default): s = s * 3 % 1000003
        local.get $s
        i64.const 3
        i64.mul
        i64.const 1000003
        i64.rem_s
        local.set $s
      end
      local.get $i
      i64.const 1
      i64.add
      local.set $i
      br $top
    end
  end
  local.get $s
  print
  local.get $s
end
