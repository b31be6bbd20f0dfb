import FabricCore

/// Something that happened to a node, as this node saw it. Two layers report them:
///
/// - the **connections** (the transport): `connected` (a connection to the node is ready),
///   `disconnected` (its last connection closed), `restarted` (a process with another generation
///   answered for it: everything addressed to the old one fails with `nodeDown`);
/// - the **membership** (SWIM, when the node runs it): `joined` (first heard of), `up` (this
///   node reached it directly), `suspect`, `unreachable` (the failure detector gave up on it;
///   it may still come back), `reachable` (it did), `down` (decided: calls to that process fail
///   with `nodeDown` and it never comes back; a restarted process joins afresh), `left`
///   (it said goodbye), `removed` (its entry was forgotten).
///
/// A connection can break while the member stays `up` (it is redialled), and a member can be
/// `unreachable` while a connection is open (it stopped answering): the layers differ on
/// purpose, and `down` — not `disconnected` — is what an application should act on.
/// Read them from `FabricActorSystem.clusterEvents` or `FabricNode.events`.
public struct ClusterEvent: Sendable, Hashable, CustomStringConvertible {
    /// What happened. A struct of named kinds rather than an enum, so that kinds can be added
    /// later without breaking code written against today's: compare with `==` or `switch` with
    /// a `default:`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let code: UInt8

        /// A connection to the node is ready (replayed for every node connected when a
        /// subscription starts).
        public static let connected = Kind(code: 1)
        /// The node's last connection closed.
        public static let disconnected = Kind(code: 2)
        /// A process with another generation answered for the node: the previous one is gone
        /// for good. A `.connected` for the new process follows.
        public static let restarted = Kind(code: 3)

        /// Membership learnt of the member (replayed, with the member's latest membership
        /// event, for every member known when a subscription starts).
        public static let joined = Kind(code: 10)
        /// This node reached the member directly: it answered a probe or synchronised state.
        public static let up = Kind(code: 11)
        /// The member missed its probes; others are asked to confirm (SWIM §4.2).
        public static let suspect = Kind(code: 12)
        /// The suspicion timed out: the member is unreachable (it can still refute and come back).
        public static let unreachable = Kind(code: 13)
        /// A suspect or unreachable member proved alive.
        public static let reachable = Kind(code: 14)
        /// The member's process was declared down: final for that generation.
        public static let down = Kind(code: 15)
        /// The member left gracefully.
        public static let left = Kind(code: 16)
        /// The member's entry (down or left) was forgotten.
        public static let removed = Kind(code: 17)

        /// Whether the kind comes from membership (as opposed to the connections).
        public var isMembership: Bool { code >= 10 }

        /// The kind's name (`connected`, `down`, …).
        public var description: String {
            switch code {
            case 1: "connected"
            case 2: "disconnected"
            case 3: "restarted"
            case 10: "joined"
            case 11: "up"
            case 12: "suspect"
            case 13: "unreachable"
            case 14: "reachable"
            case 15: "down"
            case 16: "left"
            case 17: "removed"
            default: "kind \(code)"
            }
        }
    }

    /// What happened.
    public let kind: Kind
    /// The node the event is about.
    public let node: NodeId
    /// Where the node listens, when it listens and this node knows.
    public let address: NodeAddress?
    /// The generation of the node's process the event is about: the one that came up or went
    /// down; for `.restarted`, the new one (0 when not known yet).
    public let generation: UInt64
    /// For `.restarted`: the generation of the process that went away; nil otherwise.
    public let previousGeneration: UInt64?

    package init(kind: Kind, node: NodeId, address: NodeAddress?, generation: UInt64, previousGeneration: UInt64? = nil) {
        self.kind = kind
        self.node = node
        self.address = address
        self.generation = generation
        self.previousGeneration = previousGeneration
    }

    /// The kind, node, generation (hex) and address, for logs.
    public var description: String {
        var text = "\(kind) \(node) generation \(String(generation, radix: 16))"
        if let previousGeneration { text += " (was \(String(previousGeneration, radix: 16)))" }
        if let address { text += " at \(address)" }
        return text
    }
}

/// The events of one subscription: first a snapshot — the latest membership event of every
/// member known (not removed) and a `.connected` for every node connected when it was made —
/// then every event from then on, in the order this node saw them.
///
/// Each `clusterEvents` value is one subscription, to be iterated once. Ending the iteration
/// (leaving the loop, or cancelling its task) ends the subscription. A subscriber that falls
/// more than `Limits.clusterEventsBufferedMax` events behind gets the events it had, then a
/// `rejected` error: its view would otherwise be missing events, and a new subscription starts
/// with a fresh replay. The sequence also ends (without an error) when the node stops.
public struct ClusterEvents: AsyncSequence, Sendable {
    /// One event.
    public typealias Element = ClusterEvent
    /// `rejected` when the subscriber fell too far behind.
    public typealias Failure = FabricError

    let stream: AsyncThrowingStream<ClusterEvent, any Error>

    /// Starts iterating this subscription (once).
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator())
    }

    /// Iterates one subscription.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<ClusterEvent, any Error>.AsyncIterator

        /// The next event; nil once the subscription has ended (the task was cancelled or the
        /// node stopped).
        public mutating func next() async throws(FabricError) -> ClusterEvent? {
            try await next(isolation: nil)
        }

        /// The next event, staying in the caller's isolation.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(FabricError) -> ClusterEvent? {
            do {
                return try await base.next(isolation: actor)
            } catch let error as FabricError {
                throw error
            } catch {
                throw FabricError(.cancelled, "cluster events ended: \(error)")
            }
        }
    }
}
