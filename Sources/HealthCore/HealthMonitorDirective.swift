import FabricCore

/// What the heartbeat monitor asks its shell to do; the shell `switch`es over every case.
public enum HealthMonitorDirective: Hashable, Sendable {
    /// Send one heartbeat to `node` (a one-way call on the control lane).
    case sendHeartbeat(to: NodeId)
    /// `node`'s phi reached the threshold: it is unavailable (the shell reports it unreachable
    /// to membership; it does not down it, that is the resolver's decision).
    case nodeUnavailable(NodeId, phi: Double)
    /// A heartbeat from `node` arrived after it had been unavailable: it is available again.
    case nodeAvailable(NodeId)
}

/// The answer to `HealthMonitorCore.startMonitoring`.
public enum MonitoringStart: Hashable, Sendable {
    /// The node is now watched.
    case started
    /// It was already watched; nothing changed.
    case alreadyMonitored
    /// The monitor watches as many nodes as it may (`HealthMonitorCore.Configuration`'s
    /// `monitoredNodesMax`); the refusal is counted.
    case refusedAtLimit(Int)
}
