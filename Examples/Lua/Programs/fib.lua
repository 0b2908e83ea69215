-- Doubly recursive calls of a global function: no loop at all.
function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end
print(fib(N or 20))
