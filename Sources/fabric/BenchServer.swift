import Fabric
import FabricTestKit

/// The benchmark's echo actor. It runs on an event loop (`unownedExecutor`), so a call is read,
/// run and answered on one thread with no hop.
distributed actor BenchEcho {
    typealias ActorSystem = FabricActorSystem
    private var received = 0

    nonisolated var unownedExecutor: UnownedSerialExecutor { actorSystem.loopExecutor(for: id) }

    distributed func bytes(_ payload: [UInt8]) -> [UInt8] { payload }

    distributed func sink(_ payload: [UInt8]) { received += 1 }

    distributed func sinkCount() -> Int { received }
}

/// `fabric bench serve --name NAME --listen HOST:PORT`: the server side of `fabric bench rpc`.
enum BenchServer {
    static let name = NodeId(uncheckedValid: "bench-server")
    static let usage = "usage: fabric bench serve --name NAME --listen HOST:PORT   (started by `fabric bench rpc`)"

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let parsed = Arguments(arguments, valued: ["--name", "--listen", "--loops"], usage: usage)
        guard let listen = parsed.address("--listen", usage: usage) else { Arguments.fail("--listen is required", usage: usage) }
        let name = parsed.nodeName("--name", usage: usage) ?? Self.name
        _ = ParentWatch.exitWithParentIfRequested()
        var configuration = FabricNodeConfiguration(name: name, listen: listen)
        configuration.cluster = "bench"
        configuration.loopCount = parsed.integer("--loops", default: 1, usage: usage, range: 1...256)
        do {
            let node = try FabricNode(configuration)
            let system = node.system
            _ = try system.make(name: "bench") { BenchEcho(actorSystem: system) }
            printLine(NodeEvent.ready(node: name.name, listen: listen.description, generation: String(node.generation, radix: 16)).line)
            await waitForTerminationSignal()
            await node.leave()
            return 0
        } catch {
            printError("fabric bench serve: \(error)")
            return 1
        }
    }
}
