#if canImport(Glibc)
import Glibc
#endif

/// `fabric`: run a node, call one, run the demo or the benchmark.
let usage = """
    usage: fabric COMMAND [options]     (fabric COMMAND --help for a command's options)
      node    run a node hosting the sample actors until SIGINT/SIGTERM
      echo    join as a client through one node and call `echo` on a node
      members print the membership table one node sees
      demo    start a local 3-node cluster, call across it, kill and restart a node
      bench   measure remote calls (`fabric bench rpc ...`), one JSON line per result
      simulate  run SWIM in the simulator (`fabric simulate swim ...`), one JSON object
    """

let arguments = CommandLine.arguments.dropFirst()
let status: Int32
switch arguments.first {
case "node": status = await NodeCommand.run(arguments.dropFirst())
case "echo": status = await EchoCommand.run(arguments.dropFirst())
case "members": status = await MembersCommand.run(arguments.dropFirst())
case "demo": status = await DemoCommand.run(arguments.dropFirst())
case "bench": status = await BenchCommand.run(arguments.dropFirst())
case "simulate": status = SimulateCommand.run(arguments.dropFirst())
case "--help", "-h", "help":
    print(usage)
    status = 0
case nil:
    printError(usage)
    status = 2
case let other?:
    printError("fabric: unknown command \(other)")
    printError(usage)
    status = 2
}
exit(status)
