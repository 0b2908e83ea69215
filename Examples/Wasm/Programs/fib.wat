;; Doubly recursive fib through `call`, with `if (result)`/`else` and `return`; prints fib(n).
args 27
func $fib (param $n) (result)
  local.get $n
  i64.const 2
  i64.lt_s
  if
    local.get $n
    return
  end
  local.get $n
  i64.const 1
  i64.sub
  call $fib
  local.get $n
  i64.const 2
  i64.sub
  call $fib
  i64.add
end
func $main (param $n) (local $r) (result)
  local.get $n
  call $fib
  local.tee $r
  print
  local.get $r
end
