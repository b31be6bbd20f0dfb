import FabricCore
import Synchronization

/// Per-peer traffic counters: bytes, frames, errors, reconnects. Updated on the loop with relaxed
/// atomics so that stats readers on other threads never take a lock on the hot path.
package final class PeerCounters: Sendable {
    package enum Counter: Sendable { case bytesIn, bytesOut, framesIn, framesOut, errors, reconnects }

    private let bytesIn = Atomic<UInt64>(0)
    private let bytesOut = Atomic<UInt64>(0)
    private let framesIn = Atomic<UInt64>(0)
    private let framesOut = Atomic<UInt64>(0)
    private let errors = Atomic<UInt64>(0)
    private let reconnects = Atomic<UInt64>(0)

    package init() {}

    package func add(_ counter: Counter, _ amount: UInt64 = 1) {
        switch counter {
        case .bytesIn: bytesIn.wrappingAdd(amount, ordering: .relaxed)
        case .bytesOut: bytesOut.wrappingAdd(amount, ordering: .relaxed)
        case .framesIn: framesIn.wrappingAdd(amount, ordering: .relaxed)
        case .framesOut: framesOut.wrappingAdd(amount, ordering: .relaxed)
        case .errors: errors.wrappingAdd(amount, ordering: .relaxed)
        case .reconnects: reconnects.wrappingAdd(amount, ordering: .relaxed)
        }
    }

    /// A consistent-enough copy for reports.
    package var snapshot: PeerStats {
        PeerStats(
            bytesIn: bytesIn.load(ordering: .relaxed), bytesOut: bytesOut.load(ordering: .relaxed),
            framesIn: framesIn.load(ordering: .relaxed), framesOut: framesOut.load(ordering: .relaxed),
            errors: errors.load(ordering: .relaxed), reconnects: reconnects.load(ordering: .relaxed))
    }
}

/// Node-wide counters of things that have no peer yet (bad handshakes, refused connections).
package final class TransportCounters: Sendable {
    package enum Counter: Sendable {
        case connectionsAccepted, connectionsRefused, handshakeFailures, handshakeTimeouts, protocolErrors, redials
        /// Times a connection stopped reading because its peer was not taking its output.
        case readsHeldForOutput
        /// Connections closed because their output stayed over budget for `outputStallTimeout`.
        case outputStalls
        /// Control frames dropped because the peer's control output was over its cap.
        case controlFramesDropped
        /// Connections closed because a frame took longer than `frameReceiveTimeout` to arrive.
        case frameReceiveTimeouts
        /// Times a connection stopped decoding for the turn at `decompressedBytesPerTurnMax`.
        case decompressionYields
        /// Replies the outbound queue refused (its output over the hard limit); their callers
        /// got a `rejected` failure instead.
        case repliesRefused
        /// System messages of a kind this version does not know, skipped because both sides
        /// agreed to skip them.
        case unknownSystemMessagesSkipped
    }

    private let connectionsAccepted = Atomic<UInt64>(0)
    private let connectionsRefused = Atomic<UInt64>(0)
    private let handshakeFailures = Atomic<UInt64>(0)
    private let handshakeTimeouts = Atomic<UInt64>(0)
    private let protocolErrors = Atomic<UInt64>(0)
    private let redials = Atomic<UInt64>(0)
    private let readsHeldForOutput = Atomic<UInt64>(0)
    private let outputStalls = Atomic<UInt64>(0)
    private let controlFramesDropped = Atomic<UInt64>(0)
    private let frameReceiveTimeouts = Atomic<UInt64>(0)
    private let decompressionYields = Atomic<UInt64>(0)
    private let repliesRefused = Atomic<UInt64>(0)
    private let unknownSystemMessagesSkipped = Atomic<UInt64>(0)

    package init() {}

    package func add(_ counter: Counter) {
        switch counter {
        case .connectionsAccepted: connectionsAccepted.wrappingAdd(1, ordering: .relaxed)
        case .connectionsRefused: connectionsRefused.wrappingAdd(1, ordering: .relaxed)
        case .handshakeFailures: handshakeFailures.wrappingAdd(1, ordering: .relaxed)
        case .handshakeTimeouts: handshakeTimeouts.wrappingAdd(1, ordering: .relaxed)
        case .protocolErrors: protocolErrors.wrappingAdd(1, ordering: .relaxed)
        case .redials: redials.wrappingAdd(1, ordering: .relaxed)
        case .readsHeldForOutput: readsHeldForOutput.wrappingAdd(1, ordering: .relaxed)
        case .outputStalls: outputStalls.wrappingAdd(1, ordering: .relaxed)
        case .controlFramesDropped: controlFramesDropped.wrappingAdd(1, ordering: .relaxed)
        case .frameReceiveTimeouts: frameReceiveTimeouts.wrappingAdd(1, ordering: .relaxed)
        case .decompressionYields: decompressionYields.wrappingAdd(1, ordering: .relaxed)
        case .repliesRefused: repliesRefused.wrappingAdd(1, ordering: .relaxed)
        case .unknownSystemMessagesSkipped: unknownSystemMessagesSkipped.wrappingAdd(1, ordering: .relaxed)
        }
    }

    package func value(_ counter: Counter) -> UInt64 {
        switch counter {
        case .connectionsAccepted: connectionsAccepted.load(ordering: .relaxed)
        case .connectionsRefused: connectionsRefused.load(ordering: .relaxed)
        case .handshakeFailures: handshakeFailures.load(ordering: .relaxed)
        case .handshakeTimeouts: handshakeTimeouts.load(ordering: .relaxed)
        case .protocolErrors: protocolErrors.load(ordering: .relaxed)
        case .redials: redials.load(ordering: .relaxed)
        case .readsHeldForOutput: readsHeldForOutput.load(ordering: .relaxed)
        case .outputStalls: outputStalls.load(ordering: .relaxed)
        case .controlFramesDropped: controlFramesDropped.load(ordering: .relaxed)
        case .frameReceiveTimeouts: frameReceiveTimeouts.load(ordering: .relaxed)
        case .decompressionYields: decompressionYields.load(ordering: .relaxed)
        case .repliesRefused: repliesRefused.load(ordering: .relaxed)
        case .unknownSystemMessagesSkipped: unknownSystemMessagesSkipped.load(ordering: .relaxed)
        }
    }
}
