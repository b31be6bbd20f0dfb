import FabricCore
import FabricReactor
import FabricWire
import Synchronization

/// A node's connections: it listens, dials, keeps one ready connection per peer node, shares
/// what it knows about peers, and redials lost peers with backoff.
///
/// One connection per node pair: when two nodes dial each other at once, both keep the
/// connection dialed by the node whose name sorts first (`Transport+Peers`). Connection objects
/// do the per-connection work on their loops; this type holds the tables, under one lock that is
/// never held while calling out.
package final class Transport: @unchecked Sendable {
    package let configuration: TransportConfiguration
    package let group: EventLoopGroup
    package let counters = TransportCounters()
    /// Counters of the peer table's defences (claims, gossip, declared-down nodes, dials).
    package let peerTableCounters = PeerTableCounters()
    /// Whom to dial on its own (full mesh unless membership says otherwise).
    package let dialPolicy: any PeerDialPolicy
    /// Who gets incoming calls and peer events: the actor system, through a box it owns. Set
    /// once, before the transport starts.
    package var delegateBox: TransportDelegateBox?
    package var delegate: (any TransportDelegate)? { delegateBox?.delegate }
    /// The delegate, kept alive while the loops may call it (the box refers to it without
    /// retaining it, so that reading it per frame costs nothing): the delegate and the
    /// transport keep each other alive until `releaseDelegate()`, once the loops have stopped.
    private let retainedDelegate = Mutex<(any AnyObject & Sendable)?>(nil)
    let logSink: LogSink
    let state = Mutex(TransportState())
    private let listenerBox = Mutex<TCPListener?>(nil)
    private let advertised: Mutex<NodeAddress?>

    /// `Limits.repliesPerEarlyFlush` as it applies here: 0 (off) when the process may only run on
    /// one CPU.
    let repliesPerEarlyFlush: Int
    /// Framed calls' payload arrays, for the next calls' arguments (see there for why).
    package let payloadBuffers = PayloadBufferPool()

    package init(
        configuration: TransportConfiguration, group: EventLoopGroup, log: @escaping LogSink,
        dialPolicy: any PeerDialPolicy = FullMeshDialPolicy()
    ) {
        self.configuration = configuration
        self.dialPolicy = dialPolicy
        self.group = group
        self.logSink = log
        self.repliesPerEarlyFlush = System.coreCount > 1 ? max(0, configuration.limits.repliesPerEarlyFlush) : 0
        self.advertised = Mutex(configuration.advertisedAddress)
    }

    /// The address this node tells others to dial: the configured one, with the real port
    /// filled in once a listener bound to port 0 knows it.
    package var advertisedAddress: NodeAddress? { advertised.withLock { $0 } }

    func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        logSink(level, message())
    }

    /// The port the listener is bound to (useful with port 0), or nil for a client-only node.
    package var listeningPort: UInt16? { listenerBox.withLock { $0?.localPort } }

    /// Starts listening when the configuration has a listen address.
    package func start() throws(FabricError) {
        guard let listen = configuration.listen else { return }
        do {
            let listener = try TCPListener.bind(
                host: listen.host, port: listen.port, group: group,
                acceptBackoff: configuration.limits.acceptBackoff
            ) { [weak self] stream in
                self?.accepted(stream)
            }
            listenerBox.withLock { $0 = listener }
            if listen.port == 0 {
                let host = configuration.advertisedAddress?.host ?? listen.host
                advertised.withLock { $0 = NodeAddress(uncheckedHost: host, port: listener.localPort) }
            }
        } catch {
            throw FabricError(.nodeUnreachable, "cannot listen on \(listen): \(error)")
        }
    }

    private func accepted(_ stream: TCPStream) {
        counters.add(.connectionsAccepted)
        let connection: Connection? = state.withLock { state in
            guard !state.shuttingDown,
                state.connections.count < configuration.limits.inboundConnectionsMax
            else { return nil }
            let connection = Connection(
                id: state.nextConnectionID(), loop: stream.loop, transport: self, dialing: nil)
            state.connections[connection.id] = connection
            return connection
        }
        guard let connection else {
            counters.add(.connectionsRefused)
            stream.close(error: ReactorError(.shutdown, "connection limit reached"))
            return
        }
        connection.attach(stream)
    }

    /// Dials `address`. When `node` is given the connection becomes that peer's pending connection
    /// at once, so calls can queue on it while it connects.
    @discardableResult
    package func dial(_ address: NodeAddress, expecting node: NodeId?) -> Connection? {
        let connection: Connection? = state.withLock { state in
            guard !state.shuttingDown else { return nil }
            let connection = makeDialer(to: address, expecting: node, in: &state)
            if let node {
                let record = state.peers[node] ?? PeerRecord(node: node, configuration: configuration)
                record.connection = connection
                state.peers[node] = record
            }
            return connection
        }
        guard let connection else { return nil }
        startDial(connection, to: address)
        return connection
    }

    /// Dials each seed address (node names unknown until their welcome).
    package func join(seeds: [NodeAddress]) {
        state.withLock { state in
            for seed in seeds where !state.seeds.contains(seed) { state.seeds.append(seed) }
        }
        for seed in seeds { dial(seed, expecting: nil) }
    }

    /// Keeps `delegate` alive until `releaseDelegate()`.
    package func retainDelegate(_ delegate: any AnyObject & Sendable) {
        retainedDelegate.withLock { $0 = delegate }
    }

    /// Lets the delegate go. Call it only once no loop of the group runs any more: a loop that
    /// still delivered a frame would reach a delegate that may be gone.
    package func releaseDelegate() {
        let released = retainedDelegate.withLock { delegate -> (any AnyObject & Sendable)? in
            defer { delegate = nil }
            return delegate
        }
        _ = released  // released here, outside the lock
    }

    /// Stops listening, says goodbye on every connection, and closes them.
    package func shutdown() {
        let connections = state.withLock { state -> [Connection] in
            state.shuttingDown = true
            return Array(state.connections.values)
        }
        listenerBox.withLock { listener in
            listener?.close()
            listener = nil
        }
        for connection in connections {
            connection.loop.execute {
                connection.closeWithReason(FabricError(.shutdown, "\(self.configuration.node) is shutting down"))
            }
        }
    }
}

/// The transport's tables, guarded by its lock.
struct TransportState {
    var peers: [NodeId: PeerRecord] = [:] {
        didSet { lastLookedUp = nil }
    }
    /// The record found by the last `record(for:)`: calls go to one node over and over, and
    /// comparing its name with the last one's (the same string, usually) is cheaper than
    /// hashing it. Any change to `peers` forgets it; the record itself is read live.
    private var lastLookedUp: PeerRecord?
    var connections: [UInt64: Connection] = [:]
    /// Connections that gave way to another one to the same node (their queues were or are
    /// being handed over), until they close: none of them may win a later tie-break.
    var superseded: Set<UInt64> = []
    /// Nodes a test partition cuts this node off from (`Transport.setPartition`).
    var blocked: Set<NodeId> = []
    /// The node each dial to a known node expects to answer, by connection id, until its
    /// handshake ends: a welcome naming another node closes the connection.
    var expectedNodes: [UInt64: NodeId] = [:]
    /// Unverified names each sender has in `peers` now (`Limits.gossipedPeersPerSenderMax`).
    var gossipedBySender: [NodeId: Int] = [:]
    var seeds: [NodeAddress] = []
    var shuttingDown = false
    var seedBackoff = Backoff(minimum: Limits.default.reconnectBackoffMin, maximum: Limits.default.reconnectBackoffMax)
    private var lastConnectionID: UInt64 = 0

    mutating func record(for node: NodeId) -> PeerRecord? {
        if let last = lastLookedUp, last.node == node { return last }
        let record = peers[node]
        lastLookedUp = record
        return record
    }

    mutating func nextConnectionID() -> UInt64 {
        lastConnectionID += 1
        return lastConnectionID
    }
}

/// What the transport knows about one peer node. A class, so that the per-call lookup of a
/// node's connection reads a reference instead of copying the record. Guarded by the
/// transport's lock like the table that holds it.
final class PeerRecord {
    let node: NodeId
    var generation: UInt64 = 0
    var address: NodeAddress?
    /// The connection calls to this node use: ready, or still connecting/handshaking.
    var connection: Connection?
    /// Whether the delegate was told this node is up (and not since that it is down).
    var isUp = false
    var backoff = Backoff(minimum: Limits.default.reconnectBackoffMin, maximum: Limits.default.reconnectBackoffMax)
    /// No dial before this instant (after a failure).
    var nextDialAllowed: Instant = .zero
    var redialScheduled = false
    /// Traffic of every connection this node has had with the peer.
    let counters = PeerCounters()
    /// Whether a connection to the peer was ever ready (the next one is a reconnect).
    var everConnected = false
    /// Set while the node is only a name someone gossiped (never handshaken): such a record is
    /// shared after every verified one and forgotten when it never answers.
    var unverified: UnverifiedPeer?
    /// Generations of this node declared down (newest last, at most
    /// `Limits.downGenerationsPerNodeMax`): their hellos and welcomes are refused.
    var downGenerations: [UInt64] = []
    /// The connection whose hello claims this node while its ready connection is challenged.
    var claimant: Connection?

    init(node: NodeId) { self.node = node }

    /// Whether the generation this node last ran was declared down (calls to it are refused,
    /// and it is not redialled, until a newer generation shakes hands).
    var isDeclaredDown: Bool { generation != 0 && downGenerations.contains(generation) }
}

/// Where an unverified name came from and how it has fared.
struct UnverifiedPeer {
    /// The node whose connection named it.
    var sender: NodeId
    /// When it was first named, on the transport's `configuration.clock`.
    var learnedAt: Instant
    /// Dials to it that ended before a handshake.
    var failedDials = 0
}
