import Synchronization

/// Per-peer traffic counters: bytes, frames, errors, reconnects. Updated on the loop with relaxed
/// atomics so that stats readers on other threads never take a lock on the hot path.
package final class PeerCounters: Sendable {
    package let bytesIn = Atomic<UInt64>(0)
    package let bytesOut = Atomic<UInt64>(0)
    package let framesIn = Atomic<UInt64>(0)
    package let framesOut = Atomic<UInt64>(0)
    package let errors = Atomic<UInt64>(0)
    package let reconnects = Atomic<UInt64>(0)

    package init() {}

    package func add(_ counter: KeyPath<PeerCounters, Atomic<UInt64>>, _ amount: UInt64 = 1) {
        self[keyPath: counter].wrappingAdd(amount, ordering: .relaxed)
    }

    /// A consistent-enough copy for reports.
    package var snapshot: PeerStats {
        PeerStats(
            bytesIn: bytesIn.load(ordering: .relaxed), bytesOut: bytesOut.load(ordering: .relaxed),
            framesIn: framesIn.load(ordering: .relaxed), framesOut: framesOut.load(ordering: .relaxed),
            errors: errors.load(ordering: .relaxed), reconnects: reconnects.load(ordering: .relaxed))
    }
}

/// A copy of one peer's counters.
public struct PeerStats: Sendable, Hashable, Codable {
    public var bytesIn: UInt64
    public var bytesOut: UInt64
    public var framesIn: UInt64
    public var framesOut: UInt64
    public var errors: UInt64
    public var reconnects: UInt64
}

/// Node-wide counters of things that have no peer yet (bad handshakes, refused connections).
package final class TransportCounters: Sendable {
    package let connectionsAccepted = Atomic<UInt64>(0)
    package let connectionsRefused = Atomic<UInt64>(0)
    package let handshakeFailures = Atomic<UInt64>(0)
    package let handshakeTimeouts = Atomic<UInt64>(0)
    package let protocolErrors = Atomic<UInt64>(0)
    package let redials = Atomic<UInt64>(0)

    package init() {}

    package func add(_ counter: KeyPath<TransportCounters, Atomic<UInt64>>) {
        self[keyPath: counter].wrappingAdd(1, ordering: .relaxed)
    }
}
