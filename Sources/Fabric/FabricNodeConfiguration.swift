import FabricCore
import FabricMembership
import FabricReactor

/// How to run a node: its name, where it listens, whom it joins.
public struct FabricNodeConfiguration: Sendable {
    /// This node's name, unique in the cluster.
    public var name: NodeId
    /// Nodes only talk to nodes of the same cluster. Same alphabet as node names; `FabricNode`
    /// throws `invalidArgument` for an invalid one.
    public var cluster: String = "fabric"
    /// Where to listen; nil for a client that only dials out (it cannot be called back except
    /// over the connections it opened). Only `client(name:seeds:)` starts out with nil, so a
    /// node is never a client by accident.
    public var listen: NodeAddress?
    /// The address other nodes dial (defaults to `listen`; set it when listening on 0.0.0.0).
    public var advertisedAddress: NodeAddress?
    /// Nodes to dial at start.
    public var seeds: [NodeAddress] = []
    /// How the node runs membership (SWIM with Lifeguard, keep-majority downing); nil: no
    /// membership (clients never run it: they are not members). LAN timings by default.
    public var membership: MembershipConfiguration? = .lan
    /// Event loops (threads); defaults to one per core.
    public var loopCount: Int?
    /// Offer zstd compression for large payloads.
    public var compression = true
    /// Offer CRC32C checksums on every frame.
    public var checksum = false
    /// Every bound the node enforces (frame size, calls in flight, queue depths).
    public var limits: Limits = .default
    /// The lowest level of log line kept.
    public var logLevel: LogLevel = .warning
    /// Where log lines go; stderr when nil.
    public var logSink: LogSink?
    /// The clock the node's loops, timers and call deadlines run on; the machine's unless a
    /// test or the simulator injects one (package-level: applications have no use for it).
    package var clock: any MonotonicClock = SystemClock()
    /// Where the node's generation and the transport's jitter come from; the operating
    /// system's unless a test or the simulator gives a seeded source.
    package var entropy: any Entropy = SystemEntropy()

    /// A node that listens on `listen` and dials `seeds` at start.
    ///
    /// `listen` is not optional here: a listen address that failed to parse cannot slip in as
    /// nil and make the node a client (`NodeAddress(parsing:)` throws instead).
    public init(name: NodeId, listen: NodeAddress, seeds: [NodeAddress] = []) {
        self.name = name
        self.listen = listen
        self.seeds = seeds
    }

    /// A client: a node that does not listen, only dials `seeds` (and the nodes they name).
    public static func client(name: NodeId, seeds: [NodeAddress] = []) -> FabricNodeConfiguration {
        FabricNodeConfiguration(name: name, listen: nil, seeds: seeds)
    }

    private init(name: NodeId, listen: NodeAddress?, seeds: [NodeAddress]) {
        self.name = name
        self.listen = listen
        self.seeds = seeds
        if listen == nil { membership = nil }
    }
}
