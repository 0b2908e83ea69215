;; A loop: the sum of (i * 7) % 13 for i below n; prints it.
args 30000000
func $main (param $n) (local $i $s) (result)
  block $done
    loop $top
      local.get $i
      local.get $n
      i64.ge_s
      br_if $done
      local.get $s
      local.get $i
      i64.const 7
      i64.mul
      i64.const 13
      i64.rem_s
      i64.add
      local.set $s
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
