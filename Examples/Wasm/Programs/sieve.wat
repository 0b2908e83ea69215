;; The sieve of Eratosthenes in linear memory (a word per number, 1 = composite); prints how many primes are below n.
memory 2000000
args 1000000
func $main (param $n) (local $i $j $count) (result)
  i64.const 2
  local.set $i
  block $done
    loop $each
      local.get $i
      local.get $n
      i64.ge_s
      br_if $done
      local.get $i
      i64.load
      i64.eqz
      if
        local.get $count
        i64.const 1
        i64.add
        local.set $count
        ;; mark i*i, i*i+i, ... below n
        local.get $i
        local.get $i
        i64.mul
        local.set $j
        block $marked
          loop $mark
            local.get $j
            local.get $n
            i64.ge_s
            br_if $marked
            local.get $j
            i64.const 1
            i64.store
            local.get $j
            local.get $i
            i64.add
            local.set $j
            br $mark
          end
        end
      end
      local.get $i
      i64.const 1
      i64.add
      local.set $i
      br $each
    end
  end
  local.get $count
  print
  local.get $count
end
