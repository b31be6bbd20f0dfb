import FabricCore
import FabricReactor
import FabricWire

/// Membership's verdicts, carried out by the transport.
extension Transport {
    /// `node`'s process `generation` is down for good: every connection to it is closed with
    /// `nodeDown` now (so its pending and queued calls fail at once, not at their deadlines),
    /// calls to it are refused with `nodeDown`, it is not redialled, and hellos and welcomes
    /// from that generation are refused. A newer generation of the node (a restarted process)
    /// that shakes hands is accepted again. The last `Limits.downGenerationsPerNodeMax`
    /// generations of a node are remembered.
    package func declareDown(_ node: NodeId, generation: UInt64) {
        let (connections, dialing) = state.withLock { state -> ([Connection], Connection?) in
            let record = state.peers[node] ?? PeerRecord(node: node, configuration: configuration)
            if !record.downGenerations.contains(generation) {
                record.downGenerations.append(generation)
                if record.downGenerations.count > Limits.downGenerationsPerNodeMax { record.downGenerations.removeFirst() }
            }
            if record.generation == 0 { record.generation = generation }
            state.peers[node] = record
            // A dial still in its handshake has no generation yet: it is aimed at this one when
            // that is the last one known.
            let dialing = record.generation == generation ? record.connection : nil
            return (Array(state.connections.values), dialing)
        }
        log(.info, "\(node) (generation \(hex(generation))) is declared down")
        let reason = FabricError(.nodeDown, "\(node) (generation \(hex(generation))) was declared down")
        for connection in connections {
            connection.loop.execute {
                let leadsThere = connection.remote.map { $0.node == node && $0.generation == generation }
                    ?? (connection === dialing)
                if leadsThere { connection.closeWithReason(reason) }
            }
        }
    }
}
