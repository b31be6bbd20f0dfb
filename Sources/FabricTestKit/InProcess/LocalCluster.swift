import Fabric

/// Several Fabric nodes in this process, talking over loopback TCP: the quickest way to test
/// distributed actors across real connections in a unit test.
///
/// ```swift
/// let cluster = try await LocalCluster.start(names: ["a", "b"])
/// try await cluster.shuttingDown {
///     let echo = try cluster["b"].system.make(name: "echo") { Echo(actorSystem: cluster["b"].system) }
///     let remote = try Echo.resolve(id: .wellKnown("echo", on: NodeId("b")), using: cluster["a"].system)
///     …
/// }
/// ```
public final class LocalCluster: Sendable {
    /// The nodes, in the order of the names given.
    public let nodes: [FabricNode]

    private init(nodes: [FabricNode]) { self.nodes = nodes }

    /// Starts one node per name on `127.0.0.1` with an ephemeral port, joins each to the first,
    /// and waits until every node has a connection to every other (or `timeout` passes). An
    /// invalid name throws `invalidArgument`.
    ///
    /// The nodes run no membership unless `configure` asks (`$0.membership = .test`): most
    /// tests here are about calls and connections, and SWIM's own calls, events and
    /// connections would be in what they count.
    public static func start(
        names: [String], cluster: String = "test", loopCount: Int = 1, timeout: Duration = .seconds(10),
        configure: (inout FabricNodeConfiguration) -> Void = { _ in }
    ) async throws -> LocalCluster {
        var nodes: [FabricNode] = []
        do {
            for name in names {
                var configuration = FabricNodeConfiguration(
                    name: try NodeId(name), listen: try NodeAddress(host: "127.0.0.1", port: 0))
                configuration.cluster = cluster
                configuration.loopCount = loopCount
                configuration.membership = nil
                configure(&configuration)
                let node = try FabricNode(configuration)
                if let seed = nodes.first?.advertisedAddress { node.join(seeds: [seed]) }
                nodes.append(node)
            }
            let cluster = LocalCluster(nodes: nodes)
            try await cluster.waitUntilConnected(timeout: timeout)
            return cluster
        } catch {
            for node in nodes { await node.leave() }
            throw error
        }
    }

    /// Runs `body`, then shuts every node down, awaited, whether `body` returned or threw: a
    /// test's teardown. (`defer { Task { await cluster.shutdown() } }` leaves the nodes running,
    /// their loops and sockets busy, while the next test starts.)
    public func shuttingDown<T>(after body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            await shutdown()
            return value
        } catch {
            await shutdown()
            throw error
        }
    }

    /// The node called `name`.
    public subscript(name: String) -> FabricNode {
        guard let node = nodes.first(where: { $0.name.name == name }) else {
            preconditionFailure("no node named \(name) in this LocalCluster")
        }
        return node
    }

    /// Waits until every running node is connected to every other: each node waits for each
    /// other one on its cluster events (`FabricNode.waitUntilConnected`), nothing polls.
    /// Throws `timeout` naming who is still missing whom after `timeout`.
    public func waitUntilConnected(timeout: Duration) async throws {
        let nodes = self.nodes
        let missing = await withTaskGroup(of: String?.self) { group in
            for node in nodes {
                for other in nodes where other !== node {
                    group.addTask {
                        do {
                            try await node.waitUntilConnected(to: other.name, timeout: timeout)
                            return nil
                        } catch {
                            return "\(node.name) → \(other.name)"
                        }
                    }
                }
            }
            var missing: [String] = []
            for await failure in group { if let failure { missing.append(failure) } }
            return missing.sorted()
        }
        guard missing.isEmpty else {
            throw FabricError.timeout("nodes not all connected within \(timeout): \(missing.joined(separator: ", ")) missing")
        }
    }

    /// Stops every node.
    public func shutdown() async {
        for node in nodes { await node.leave() }
    }
}
