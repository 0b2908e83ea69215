;; Nested loops: the sum of (i * j) % 7 for i below n and j below 100; prints it.
args 100000
func $main (param $n) (local $i $j $s) (result)
  block $outer_done
    loop $outer
      local.get $i
      local.get $n
      i64.ge_s
      br_if $outer_done
      i64.const 0
      local.set $j
      block $inner_done
        loop $inner
          local.get $j
          i64.const 100
          i64.ge_s
          br_if $inner_done
          local.get $s
          local.get $i
          local.get $j
          i64.mul
          i64.const 7
          i64.rem_s
          i64.add
          local.set $s
          local.get $j
          i64.const 1
          i64.add
          local.set $j
          br $inner
        end
      end
      local.get $i
      i64.const 1
      i64.add
      local.set $i
      br $outer
    end
  end
  local.get $s
  print
  local.get $s
end
