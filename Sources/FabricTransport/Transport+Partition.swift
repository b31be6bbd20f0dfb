import FabricCore

/// A partition for tests of real processes: the drop rule issue 9's multi-process partition
/// test uses instead of network namespaces (which need root and `ip`).
extension Transport {
    /// Cuts this node off from `nodes` (and joins it to every other): connections to them are
    /// closed with `nodeUnreachable`, calls and dials to them fail with `nodeUnreachable` at
    /// once, and their hellos and welcomes are refused — what a broken network looks like from
    /// here, except that it is immediate rather than silent. An empty set heals it.
    package func setPartition(blocked nodes: Set<NodeId>) {
        let cut = state.withLock { state -> [Connection] in
            state.blocked = nodes
            return state.connections.values.filter { connection in
                connection.remoteNode.map { nodes.contains($0) } ?? false
            }
        }
        if !nodes.isEmpty { log(.warning, "test partition: cut off from \(nodes.map(\.name).sorted().joined(separator: ", "))") }
        for connection in cut {
            connection.loop.execute {
                connection.closeWithReason(FabricError(.nodeUnreachable, "partitioned (a test partition)"))
            }
        }
    }
}
