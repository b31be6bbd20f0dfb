import FabricCore

/// Something that happened to another node, as this node saw it: it came up (a connection to
/// it is ready), went down (its last connection closed), or restarted (a new process runs it;
/// everything addressed to the old one fails with `nodeDown`).
///
/// Read them from `FabricActorSystem.clusterEvents` or `FabricNode.events`.
public struct ClusterEvent: Sendable, Hashable, CustomStringConvertible {
    /// What happened. A struct of named kinds rather than an enum, so that membership can add
    /// kinds later (suspect, left, …) without breaking code written against today's: compare
    /// with `==` or `switch` with a `default:`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        let code: UInt8

        /// A connection to the node is ready (replayed for every node connected when a
        /// subscription starts).
        public static let up = Kind(code: 1)
        /// The node's last connection closed.
        public static let down = Kind(code: 2)
        /// A process with another generation answered for the node: the previous one is gone
        /// for good. An `.up` for the new process follows.
        public static let restarted = Kind(code: 3)

        /// The kind's name (`up`, `down`, `restarted`).
        public var description: String {
            switch code {
            case 1: "up"
            case 2: "down"
            case 3: "restarted"
            default: "kind \(code)"
            }
        }
    }

    /// What happened.
    public let kind: Kind
    /// The node the event is about.
    public let node: NodeId
    /// Where the node listens, when it listens and this node knows (`.up`).
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

/// The events of one subscription: first an `.up` for every node connected when it was made,
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
