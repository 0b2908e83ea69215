;; The total number of Collatz steps for 1..n: the inner loop leaves a nested block with br_if for even numbers; prints it.
args 300000
func $main (param $n) (local $k $x $steps) (result)
  i64.const 1
  local.set $k
  block $done
    loop $each
      local.get $k
      local.get $n
      i64.gt_s
      br_if $done
      local.get $k
      local.set $x
      block $reached_one
        loop $step
          local.get $x
          i64.const 1
          i64.eq
          br_if $reached_one
          local.get $steps
          i64.const 1
          i64.add
          local.set $steps
          block $odd
            block $even
              local.get $x
              i64.const 1
              i64.and
              br_if $odd
              br $even
            end
            ;; even: x = x / 2, back to the top of the step loop
            local.get $x
            i64.const 1
            i64.shr_s
            local.set $x
            br $step
          end
          ;; odd: x = 3x + 1
          local.get $x
          i64.const 3
          i64.mul
          i64.const 1
          i64.add
          local.set $x
          br $step
        end
      end
      local.get $k
      i64.const 1
      i64.add
      local.set $k
      br $each
    end
  end
  local.get $steps
  print
  local.get $steps
end
