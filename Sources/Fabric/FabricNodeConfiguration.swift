import FabricCore
import FabricReactor

/// How to run a node: its name, where it listens, whom it joins.
public struct FabricNodeConfiguration: Sendable {
    /// This node's name, unique in the cluster.
    public var name: NodeId
    /// Nodes only talk to nodes of the same cluster.
    public var cluster: String = "fabric"
    /// Where to listen; nil for a client that only dials out (it cannot be called back except
    /// over the connections it opened).
    public var listen: NodeAddress?
    /// The address other nodes dial (defaults to `listen`; set it when listening on 0.0.0.0).
    public var advertisedAddress: NodeAddress?
    /// Nodes to dial at start.
    public var seeds: [NodeAddress] = []
    /// Event loops (threads); defaults to one per core.
    public var loopCount: Int?
    /// Offer zstd compression for large payloads.
    public var compression = true
    /// Offer CRC32C checksums on every frame.
    public var checksum = false
    public var limits: Limits = .default
    /// Where log lines go (stderr by default) and which are kept.
    public var logLevel: LogLevel = .warning
    public var logSink: LogSink?
    /// The clock the node's loops, timers and call deadlines run on; the machine's unless a
    /// test or the simulator injects one (package-level: applications have no use for it).
    package var clock: any MonotonicClock = SystemClock()
    /// Where the node's generation and the transport's jitter come from; the operating
    /// system's unless a test or the simulator gives a seeded source.
    package var entropy: any Entropy = SystemEntropy()

    public init(name: NodeId, listen: NodeAddress?, seeds: [NodeAddress] = []) {
        self.name = name
        self.listen = listen
        self.seeds = seeds
    }
}
