#if canImport(Glibc)
import Glibc
#endif
import Fabric
import FabricTestKit

/// `fabric echo`: joins as a client through one node and calls `echo` on any node.
enum EchoCommand {
    static let usage = """
        usage: fabric echo --via HOST:PORT --to NAME [--cluster NAME] [--timeout SECONDS] TEXT
          Joins the cluster as a client through the node at --via, calls the `echo` actor on the
          node named --to (which may be another node: the entry node tells the client where it is),
          prints the answer and exits 0; exits 1 with a one-line reason on failure.
        """

    static func run(_ arguments: ArraySlice<String>) async -> Int32 {
        let parsed = Arguments(arguments, valued: ["--via", "--to", "--cluster", "--timeout"], usage: usage)
        guard let via = parsed.address("--via", usage: usage) else { Arguments.fail("--via is required", usage: usage) }
        guard let target = parsed.nodeName("--to", usage: usage) else { Arguments.fail("--to is required", usage: usage) }
        guard parsed.positional.count == 1 else { Arguments.fail("give exactly one TEXT to echo", usage: usage) }
        let timeout = Duration.milliseconds(Int64(parsed.number("--timeout", default: 5, usage: usage) * 1000))
        let client: FabricNode
        do {
            client = try startClient(via: via, cluster: parsed.value("--cluster"))
        } catch {
            printError("fabric echo: \(error)")
            return 1
        }
        do {
            let answer = try await withCallOptions(timeout: timeout) {
                try await waitUntilKnown(target, by: client, timeout: timeout)
                let echo = try EchoActor.resolve(id: .wellKnown("echo", on: target), using: client.system)
                return try await echo.echo(parsed.positional[0])
            }
            printLine(answer)
            await client.leave()
            return 0
        } catch {
            printError("fabric echo: \(target) did not answer: \(error)")
            await client.leave()
            return 1
        }
    }

    /// A node that only dials out, named `client-<random>`.
    static func startClient(via: NodeAddress, cluster: String?) throws -> FabricNode {
        var random = SystemRandomNumberGenerator()
        let name = NodeId(uncheckedValid: "client-" + String(random.next() & 0xFFFF_FFFF, radix: 16))
        var configuration = FabricNodeConfiguration.client(name: name, seeds: [via])
        if let cluster { configuration.cluster = cluster }
        configuration.loopCount = 1
        configuration.logLevel = .error
        return try FabricNode(configuration)
    }

    /// Waits until the client has a connection to `node` or knows its address.
    static func waitUntilKnown(_ node: NodeId, by client: FabricNode, timeout: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if client.connectedPeers.contains(where: { $0.name == node }) || client.knownPeers.contains(where: { $0.name == node }) {
                return
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        if client.connectedPeers.isEmpty {
            throw FabricError.nodeUnreachable("could not join through the entry node within \(timeout)")
        }
        throw FabricError.nodeUnreachable("no node named \(node) is known to the cluster")
    }
}
