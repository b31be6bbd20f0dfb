import Synchronization

/// Counters of the peer table's defences: name claims checked against a live connection,
/// welcomes from the wrong node, gossip dropped or forgotten, hellos from generations declared
/// down, and every dial started (so tests and operators can see whether a node redials).
/// Relaxed atomics: read for stats and tests, never for decisions.
package final class PeerTableCounters: Sendable {
    package enum Counter: Sendable, CaseIterable {
        /// A hello claimed a node this node has a ready connection to, which was then challenged.
        case claimsChallenged
        /// The challenged connection answered (or a claim was already being checked): refused.
        case claimsRefused
        /// The challenged connection was closed or stayed silent: the claimant got in.
        case claimsAdmitted
        /// A dial to a known node was answered by another node (closed, its calls failed).
        case welcomesFromAnotherNode
        /// Gossiped names not recorded: the sender was at `gossipedPeersPerSenderMax`, or the
        /// table at `knownPeersMax`.
        case gossipedPeersDropped
        /// Unverified names forgotten (too many failed dials, or too old).
        case unverifiedPeersForgotten
        /// Hellos and welcomes from a generation declared down, refused.
        case declaredDownRefusals
        /// Dials started, for any reason (seeds, gossip, calls, redials).
        case dialsStarted
    }

    private let claimsChallenged = Atomic<UInt64>(0)
    private let claimsRefused = Atomic<UInt64>(0)
    private let claimsAdmitted = Atomic<UInt64>(0)
    private let welcomesFromAnotherNode = Atomic<UInt64>(0)
    private let gossipedPeersDropped = Atomic<UInt64>(0)
    private let unverifiedPeersForgotten = Atomic<UInt64>(0)
    private let declaredDownRefusals = Atomic<UInt64>(0)
    private let dialsStarted = Atomic<UInt64>(0)

    package init() {}

    /// The atomic behind `counter` (a switch: atomics cannot live in an array).
    private func apply<T>(_ counter: Counter, _ body: (borrowing Atomic<UInt64>) -> T) -> T {
        switch counter {
        case .claimsChallenged: body(claimsChallenged)
        case .claimsRefused: body(claimsRefused)
        case .claimsAdmitted: body(claimsAdmitted)
        case .welcomesFromAnotherNode: body(welcomesFromAnotherNode)
        case .gossipedPeersDropped: body(gossipedPeersDropped)
        case .unverifiedPeersForgotten: body(unverifiedPeersForgotten)
        case .declaredDownRefusals: body(declaredDownRefusals)
        case .dialsStarted: body(dialsStarted)
        }
    }

    package func add(_ counter: Counter, _ amount: UInt64 = 1) {
        apply(counter) { _ = $0.wrappingAdd(amount, ordering: .relaxed) }
    }

    package func value(_ counter: Counter) -> UInt64 {
        apply(counter) { $0.load(ordering: .relaxed) }
    }
}
