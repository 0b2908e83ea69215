// Tests are independent; run classes in parallel on the CI machine's two cores.
[assembly: Parallelize(Scope = ExecutionScope.ClassLevel)]
