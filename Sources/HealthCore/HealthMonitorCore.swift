import FabricCore

/// Heartbeat bookkeeping for the nodes this node watches: a phi-accrual detector per node, the
/// send schedule, and the moments nodes become unavailable or available again.
///
/// Rules:
/// - Monitoring is symmetric: the shell starts monitoring every node it should watch, the
///   monitor sends each one a heartbeat every `heartbeatInterval`, and feeds a node's detector
///   with the heartbeats that node sends back the same way. A heartbeat from a node that is
///   not watched is ignored and counted (`ignoredHeartbeats`): heartbeats come from the
///   network.
/// - Starting to monitor a node counts as a first heartbeat from it, so a node that never
///   sends one is still found unavailable (after about `firstHeartbeatEstimate` +
///   `acceptableHeartbeatPause` + a few deviations: 4.6 s with Akka's defaults); the first
///   round of heartbeats goes out at the next timer. The node's first real heartbeat
///   replaces that implicit one: no interval is measured from a heartbeat that never came.
/// - A node is reported unavailable once, when its phi reaches the threshold, and available
///   once, when its next heartbeat arrives; nothing is repeated in between.
/// - `nextDeadline` is the earlier of the next send round and the moment the first available
///   node would reach the threshold, so the shell needs no polling timer.
/// - Directives come sorted by node name within each kind (unavailable, then sends), so runs
///   replay identically.
public struct HealthMonitorCore: Sendable {
    /// How the monitor runs.
    public struct Configuration: Hashable, Sendable {
        /// The detectors' configuration (its `heartbeatInterval` is the send rate).
        public var detector: PhiAccrualConfiguration
        /// Nodes watched at once, at most `Limits.healthMonitoredNodesMax`.
        public var monitoredNodesMax: Int

        /// A configuration; `monitoredNodesMax` is clamped into 1...`Limits.healthMonitoredNodesMax`.
        public init(detector: PhiAccrualConfiguration = .standard,
                    monitoredNodesMax: Int = Limits.healthMonitoredNodesMax) {
            self.detector = detector
            self.monitoredNodesMax = min(max(monitoredNodesMax, 1), Limits.healthMonitoredNodesMax)
        }
    }

    /// One watched node.
    struct Watched: Hashable, Sendable {
        var detector: PhiAccrualDetector
        var isAvailable = true
        /// Whether a real heartbeat has arrived (the detector starts from an implicit one).
        var hasHeard = false
    }

    /// How the monitor runs.
    public let configuration: Configuration
    /// The watched nodes.
    var watched: [NodeId: Watched] = [:]
    /// When the next round of heartbeats is due, or nil while nothing is watched.
    var nextSendAt: Instant?
    /// Heartbeats received from nodes that are not watched.
    public private(set) var ignoredHeartbeats = 0
    /// `startMonitoring` calls refused at the limit.
    public private(set) var refusedMonitorings = 0

    /// A monitor watching nothing yet.
    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    /// The watched nodes, sorted by name.
    public var monitoredNodes: [NodeId] { watched.keys.sorted() }

    /// Starts watching `node` (its first heartbeat is taken to arrive at `now`).
    public mutating func startMonitoring(_ node: NodeId, now: Instant) -> MonitoringStart {
        if watched[node] != nil { return .alreadyMonitored }
        guard watched.count < configuration.monitoredNodesMax else {
            refusedMonitorings += 1
            return .refusedAtLimit(configuration.monitoredNodesMax)
        }
        var detector = PhiAccrualDetector(configuration: configuration.detector)
        detector.onHeartbeat(now: now)
        watched[node] = Watched(detector: detector)
        if nextSendAt == nil { nextSendAt = now }
        return .started
    }

    /// Stops watching `node` (left, downed, or no longer among the nodes to watch).
    public mutating func stopMonitoring(_ node: NodeId) {
        watched[node] = nil
        if watched.isEmpty { nextSendAt = nil }
    }

    /// A heartbeat from `node` arrived at `now`.
    public mutating func onHeartbeat(from node: NodeId, now: Instant) -> [HealthMonitorDirective] {
        guard var entry = watched[node] else {
            ignoredHeartbeats += 1
            return []
        }
        if !entry.hasHeard {
            // The implicit first heartbeat never came: measure nothing from it, start over.
            entry.detector = PhiAccrualDetector(configuration: configuration.detector)
            entry.hasHeard = true
        }
        entry.detector.onHeartbeat(now: now)
        let cameBack = !entry.isAvailable
        entry.isAvailable = true
        watched[node] = entry
        return cameBack ? [.nodeAvailable(node)] : []
    }

    /// The timer fired at `now` (at or after `nextDeadline`; earlier or later is harmless).
    public mutating func onTimer(now: Instant) -> [HealthMonitorDirective] {
        var directives: [HealthMonitorDirective] = []
        for node in monitoredNodes {
            guard var entry = watched[node], entry.isAvailable else { continue }
            let crossed = entry.detector.unavailableAt.map { now >= $0 } ?? false
            if crossed || !entry.detector.isAvailable(now: now) {
                entry.isAvailable = false
                watched[node] = entry
                directives.append(.nodeUnavailable(node, phi: entry.detector.phi(now: now)))
            }
        }
        if let due = nextSendAt, now >= due {
            directives += monitoredNodes.map { .sendHeartbeat(to: $0) }
            let interval = configuration.detector.heartbeatInterval
            let following = due + interval
            nextSendAt = following > now ? following : now + interval
        }
        return directives
    }

    /// When `onTimer` should next be called, or nil when nothing is watched.
    public var nextDeadline: Instant? {
        var earliest = nextSendAt
        for entry in watched.values where entry.isAvailable {
            if let at = entry.detector.unavailableAt, earliest.map({ at < $0 }) ?? true { earliest = at }
        }
        return earliest
    }

    /// The phi of `node` at `now`, or nil if it is not watched.
    public func phi(of node: NodeId, now: Instant) -> Double? {
        watched[node]?.detector.phi(now: now)
    }

    /// Whether `node` is watched and currently available (as last reported).
    public func isAvailable(_ node: NodeId) -> Bool? {
        watched[node]?.isAvailable
    }
}
