#if canImport(Glibc)
import Glibc
#endif
import FabricActorSystem
import FabricCore
import FabricMembership
import FabricReactor
import FabricTransport
import FabricWire
import Synchronization

/// A running Fabric node: its event loops, its transport and its actor system.
///
/// ```swift
/// let node = try FabricNode(FabricNodeConfiguration(
///     name: NodeId("a"), listen: NodeAddress(parsing: "127.0.0.1:7001")))
/// let greeter = try node.system.make(name: "greeter") { Greeter(actorSystem: node.system) }
/// node.join(seeds: [try NodeAddress(parsing: "127.0.0.1:7002")])
/// ...
/// await node.leave()
/// ```
public final class FabricNode: Sendable {
    /// The actor system application actors use.
    public let system: FabricActorSystem
    /// What the node was started with.
    public let configuration: FabricNodeConfiguration
    let transport: Transport
    let group: EventLoopGroup
    /// This node's SWIM member, when it runs membership (a listening node does by default).
    let membership: SWIMMember?
    private let eventForwarder: Task<Void, Never>?
    /// Set by the first `leave()`: the loops are going or gone, so nothing may wait on a job
    /// queued to them (a job queued to a stopped loop is dropped, and its waiter would hang).
    private let hasLeft = Atomic<Bool>(false)

    /// Starts the loops, listens (when configured) and dials the seeds. Throws
    /// `invalidArgument` for an invalid cluster name, and the listener's error when it cannot
    /// listen.
    public init(_ configuration: FabricNodeConfiguration) throws {
        self.configuration = configuration
        let sink = Self.filteredSink(configuration)
        var transportConfiguration = TransportConfiguration(
            cluster: configuration.cluster, node: configuration.name,
            generation: Self.generation(from: configuration.entropy),
            listen: configuration.listen)
        guard NodeId.isValid(configuration.cluster) else {
            throw FabricError.invalidArgument("invalid cluster name \(configuration.cluster.debugDescription)")
        }
        if let reason = configuration.membership?.invalidity { throw FabricError.invalidArgument(reason) }
        transportConfiguration.compression = configuration.compression
        transportConfiguration.checksum = configuration.checksum
        transportConfiguration.limits = configuration.limits
        transportConfiguration.clock = configuration.clock
        transportConfiguration.entropy = configuration.entropy
        let group = EventLoopGroup(
            loopCount: max(1, configuration.loopCount ?? System.coreCount), clock: configuration.clock)
        self.group = group
        let runsMembership = configuration.membership != nil && configuration.listen != nil
        let dialPolicy = runsMembership ? MembershipDialPolicy() : nil
        let transport = Transport(
            configuration: transportConfiguration, group: group, log: sink,
            dialPolicy: dialPolicy ?? FullMeshDialPolicy())
        self.transport = transport
        let system = FabricActorSystem(transport: transport, log: sink)
        self.system = system
        do {
            try transport.start()
        } catch {
            group.shutdown()
            throw error
        }
        if runsMembership, let membershipConfiguration = configuration.membership,
           let address = transport.advertisedAddress {
            let seeds = configuration.seeds
            let health = system.makeSystemActor(name: "health") { HealthMonitor(actorSystem: system, node: configuration.name) }
            let member = system.makeSystemActor(name: "swim") {
                SWIMMember(
                    actorSystem: system, node: configuration.name, address: address, cluster: configuration.cluster,
                    configuration: membershipConfiguration, seed: configuration.entropy.next(),
                    dialPolicy: dialPolicy, seeds: seeds,
                    dialSeeds: { [weak transport] seeds in transport?.join(seeds: seeds) },
                    connectedPeers: { [weak transport] in transport?.connectedPeers.map { ($0.node, $0.address) } ?? [] },
                    health: health)
            }
            membership = member
            // Subscribed before the seeds are dialled, so no connection is missed.
            let events = system.clusterEvents
            eventForwarder = Task { [weak member, weak system] in
                // A subscription that fell behind ends with `rejected`: subscribe again (its
                // replay repeats the connected nodes, and `connected(to:)` ignores members).
                var events = events
                while !Task.isCancelled {
                    do {
                        for try await event in events where event.kind == .connected {
                            guard let address = event.address, let member else { continue }
                            member.onLoop { $0.connected(to: event.node, address: address) }
                        }
                        return  // the node stopped
                    } catch {
                        guard let system else { return }
                        events = system.clusterEvents
                    }
                }
            }
            member.onLoop { $0.start() }
        } else {
            membership = nil
            eventForwarder = nil
        }
        if !configuration.seeds.isEmpty { transport.join(seeds: configuration.seeds) }
    }

    /// A node dropped without `leave()` still stops its connections and loops.
    deinit {
        Self.stop(transport, group, system)
    }

    /// Dials more seed nodes; they and the nodes they know become peers.
    public func join(seeds: [NodeAddress]) {
        transport.join(seeds: seeds)
    }

    /// Leaves gracefully: says goodbye to every peer, closes connections, stops the loops, and
    /// lets go of the actors made with `make(name:)`. The actor system goes once nothing else
    /// holds it (an actor made with `make(name:)` after `leave()` keeps it, and itself, alive).
    /// Called on one of the node's own loops, it returns before the loops are joined.
    public func leave() async {
        guard !hasLeft.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if let membership {
            // Say goodbye through membership first, and give the messages a moment to go out.
            await membership.whenLocal { $0.leave() }
            try? await Task.sleep(for: .milliseconds(100))
            await membership.whenLocal { $0.stop() }
        }
        eventForwarder?.cancel()
        transport.shutdown()
        try? await Task.sleep(for: .milliseconds(50))
        Self.stop(transport, group, system)
    }

    /// Stops the connections and loops, then lets go of the actors made with `make(name:)` and
    /// lets the transport drop the actor system, which goes once nothing else holds it (actors,
    /// references to remote actors). The loops are joined here, or by a detached task when this
    /// runs on one of them (a loop cannot join itself); the system is let go only after that,
    /// never while a loop could still call it.
    private static func stop(_ transport: Transport, _ group: EventLoopGroup, _ system: FabricActorSystem) {
        transport.shutdown()
        system.finishClusterEvents()
        system.releaseWellKnownActors()
        guard !group.isCallerOneOfTheLoops else {
            group.shutdown()  // asks the loops to stop; joined below, off the loops
            Task.detached {
                group.shutdown()
                transport.releaseDelegate()
            }
            return
        }
        group.shutdown()
        transport.releaseDelegate()
    }

    /// The port this node listens on (the real one when configured with port 0).
    public var listeningPort: UInt16? { transport.listeningPort }

    /// The address peers dial to reach this node.
    public var advertisedAddress: NodeAddress? { transport.advertisedAddress }

    /// This node's ID as others see it.
    public var name: NodeId { configuration.name }

    /// This process's generation.
    public var generation: UInt64 { system.generation }

    /// This node's cluster events: a snapshot (every member's latest membership event, `.connected` for every node connected now), then every event from
    /// now on, in order. One subscription per use; see `ClusterEvents`.
    public var events: ClusterEvents { system.clusterEvents }

    /// Returns once `node` is connected (at once if it is now), instead of polling
    /// `connectedPeers`; throws `timeout` after `timeout`, `cancelled` or `shutdown`.
    public func waitUntilConnected(to node: NodeId, timeout: Duration) async throws(FabricError) {
        try await system.waitUntilConnected(to: node, timeout: timeout)
    }

    /// The membership table as this node sees it (itself included), sorted by name; empty when
    /// the node runs no membership (a client).
    public func members() async -> [MemberSnapshot] {
        guard let membership, !hasLeft.load(ordering: .acquiring) else { return [] }
        return await membership.whenLocal { await $0.tableWithHealth() } ?? []
    }

    /// How healthy `node` looks from here: its membership entry, the phi of its heartbeats
    /// and a 0–100 score; nil when it is not a member (or this node runs no membership).
    public func health(of node: NodeId) async -> MemberHealth? {
        guard let membership, !hasLeft.load(ordering: .acquiring) else { return nil }
        return await membership.whenLocal { await $0.health(of: node) } ?? nil
    }

    /// The membership table as `node` sees it: a call to its SWIM member (on the control lane,
    /// bounded by the caller's deadline as any call). How `fabric members --via` asks.
    public func members(of node: NodeId) async throws -> [MemberSnapshot] {
        if node == name { return await members() }
        let remote = try SWIMMember.resolve(id: ActorID.system("swim", on: node), using: system)
        return try await withCallOptions(priority: .control) { try await remote.snapshot() }
    }

    /// The first node this one connects to (at once if connected now): a client's entry node,
    /// whose name it does not know before the welcome. Throws `timeout` after `timeout`.
    public func waitForEntryNode(timeout: Duration) async throws(FabricError) -> NodeId {
        if let first = connectedPeers.first { return first.name }
        return try await system.waitForFirstConnection(timeout: timeout)
    }

    /// Cuts this node off from `nodes` for a test (`Transport.setPartition`): connections to
    /// them close, and calls, dials and handshakes with them fail at once. Empty heals it.
    package func setPartition(blocked nodes: Set<NodeId>) {
        transport.setPartition(blocked: nodes)
    }

    /// Nodes with a ready connection now.
    public var connectedPeers: [Peer] {
        transport.connectedPeers.map { Peer(name: $0.node, address: $0.address, generation: $0.generation) }
    }

    /// Every node this one has heard of.
    public var knownPeers: [Peer] {
        transport.knownPeers.map { Peer(name: $0.node, address: $0.address, generation: $0.generation) }
    }

    /// Counters of this node: per peer (bytes, frames, errors, reconnects) and node-wide.
    public var stats: NodeStats {
        let transportCounters = transport.counters
        let table = transport.peerTableCounters
        return NodeStats(
            peers: Dictionary(uniqueKeysWithValues: transport.peerStatistics.map { ($0.key.name, $0.value) }),
            connectionsAccepted: transportCounters.value(.connectionsAccepted),
            connectionsRefused: transportCounters.value(.connectionsRefused),
            handshakeFailures: transportCounters.value(.handshakeFailures),
            handshakeTimeouts: transportCounters.value(.handshakeTimeouts),
            protocolErrors: transportCounters.value(.protocolErrors),
            unknownSystemMessagesSkipped: transportCounters.value(.unknownSystemMessagesSkipped),
            callsSent: system.statistic(.callsSent),
            callsReceived: system.statistic(.callsReceived),
            oneWayReceived: system.statistic(.oneWayReceived),
            oneWayErrors: system.statistic(.oneWayErrors),
            rejectedTargets: system.statistic(.rejectedTargets),
            claimsChallenged: table.value(.claimsChallenged),
            claimsRefused: table.value(.claimsRefused),
            claimsAdmitted: table.value(.claimsAdmitted),
            welcomesFromAnotherNode: table.value(.welcomesFromAnotherNode),
            gossipedPeersDropped: table.value(.gossipedPeersDropped),
            unverifiedPeersForgotten: table.value(.unverifiedPeersForgotten),
            declaredDownRefusals: table.value(.declaredDownRefusals),
            dialsStarted: table.value(.dialsStarted))
    }

    /// A random generation from `entropy` (a seeded source gives the same one every run), never
    /// `ActorID.anyGeneration`.
    static func generation(from entropy: any Entropy) -> UInt64 {
        var generation: UInt64 = 0
        while generation == ActorID.anyGeneration { generation = entropy.next() }
        return generation
    }

    private static func filteredSink(_ configuration: FabricNodeConfiguration) -> LogSink {
        let level = configuration.logLevel
        let name = configuration.name.name
        let sink = configuration.logSink ?? { level, message in
            var line = "[\(name)] \(level): \(message)\n"
            line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        }
        return { messageLevel, message in
            if messageLevel >= level { sink(messageLevel, message) }
        }
    }
}

/// Another node, as this one knows it.
public struct Peer: Sendable, Hashable, CustomStringConvertible {
    /// The node's name.
    public let name: NodeId
    /// Where it listens; nil for a client.
    public let address: NodeAddress?
    /// The generation of the node's process this node last heard of.
    public let generation: UInt64

    /// `name@address`, or `name@client` for a node that does not listen.
    public var description: String { "\(name)@\(address?.description ?? "client")" }
}

/// A node's counters at one moment (`FabricNode.stats`).
public struct NodeStats: Sendable, Hashable, Codable {
    /// Traffic per peer name, over every connection to it so far.
    public var peers: [String: PeerStats]
    /// Connections other nodes opened to this one.
    public var connectionsAccepted: UInt64
    /// Connections turned away: over the limit, or losing a simultaneous-connect tie-break.
    public var connectionsRefused: UInt64
    /// Connections whose handshake failed.
    public var handshakeFailures: UInt64
    /// Connections closed because they sent no handshake in time.
    public var handshakeTimeouts: UInt64
    /// Connections closed for malformed frames or messages.
    public var protocolErrors: UInt64
    /// System messages of a kind this node does not know, skipped because the peer and this
    /// node agreed to skip them (a newer peer's additions).
    public var unknownSystemMessagesSkipped: UInt64
    /// Remote calls this node made (one-way calls included).
    public var callsSent: UInt64
    /// Calls other nodes made to actors on this one.
    public var callsReceived: UInt64
    /// One-way calls other nodes made to actors on this one.
    public var oneWayReceived: UInt64
    /// One-way calls that failed on this node (counted, since no reply goes back).
    public var oneWayErrors: UInt64
    /// Calls refused because their target was not a method of the recipient's type.
    public var rejectedTargets: UInt64
    /// Hellos that named a node this one had a ready connection to (that connection was then
    /// pinged to see whether the node still lives).
    public var claimsChallenged: UInt64
    /// Such claims refused: the existing connection answered.
    public var claimsRefused: UInt64
    /// Such claims let through: the existing connection was gone or silent.
    public var claimsAdmitted: UInt64
    /// Dials to a known node answered by another node.
    public var welcomesFromAnotherNode: UInt64
    /// Names heard of in gossip and not recorded (a sender's share or the table was full).
    public var gossipedPeersDropped: UInt64
    /// Names heard of that never answered, forgotten.
    public var unverifiedPeersForgotten: UInt64
    /// Hellos and welcomes from a process declared down, refused.
    public var declaredDownRefusals: UInt64
    /// Connections this node started dialling, for any reason.
    public var dialsStarted: UInt64
}
